from django.urls import path

from timeentries import pages

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
