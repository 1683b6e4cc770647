from django.urls import path, register_converter

from timeentries import day_pages, pages

register_converter(day_pages.DayConverter, "day")

urlpatterns = [
    path("timesheet/", pages.week_page, name="timesheet"),
    path("timesheet/cell/", pages.cell_save, name="timesheet-cell"),
    path("timesheet/rows/add/", pages.row_add, name="timesheet-row-add"),
    path("timesheet/rows/remove/", pages.row_remove, name="timesheet-row-remove"),
    path("timesheet/rows/copy/", pages.rows_copy, name="timesheet-rows-copy"),
    path("timesheet/rows/save/", pages.row_save, name="timesheet-row-save"),
    path("timesheet/timer/start/", pages.timer_start, name="timesheet-timer-start"),
    path("timesheet/timer/stop/", pages.timer_stop, name="timesheet-timer-stop"),
    path("timesheet/submit/", pages.week_submit, name="timesheet-submit"),
    path("timesheet/day/<day:day>/", day_pages.day_page, name="timesheet-day"),
    path("timesheet/day/<day:day>/add/", day_pages.block_add, name="timesheet-day-add"),
    path("timesheet/day/<day:day>/hours/", day_pages.hours_add, name="timesheet-day-hours"),
    path("timesheet/day/<day:day>/entries/<int:entry_id>/", day_pages.entry_edit, name="timesheet-day-entry"),
    path(
        "timesheet/day/<day:day>/entries/<int:entry_id>/delete/",
        day_pages.entry_delete,
        name="timesheet-day-entry-delete",
    ),
    path("timesheet/day/<day:day>/same-as-yesterday/", day_pages.copy_yesterday, name="timesheet-day-copy"),
    path("timesheet/day/<day:day>/standard/", day_pages.standard_day, name="timesheet-day-standard"),
    path("timesheet/day/timer/stop/", day_pages.timer_stop, name="timesheet-day-timer-stop"),
    path("timesheet/team/", pages.team_page, name="timesheet-team"),
    path("timesheet/team/<int:user_id>/", pages.member_week_page, name="timesheet-member"),
    path(
        "timesheet/timesheets/<int:timesheet_id>/approve/",
        pages.timesheet_decide,
        {"decision": "approve"},
        name="timesheet-approve",
    ),
    path(
        "timesheet/timesheets/<int:timesheet_id>/reject/",
        pages.timesheet_decide,
        {"decision": "reject"},
        name="timesheet-reject",
    ),
    path(
        "timesheet/timesheets/<int:timesheet_id>/reopen/",
        pages.timesheet_decide,
        {"decision": "reopen"},
        name="timesheet-reopen",
    ),
]
