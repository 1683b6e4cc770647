from django.urls import re_path

from core.routers import OptionalSlashRouter
from leave import api, api_account

router = OptionalSlashRouter()
router.register("leave/types", api.LeaveTypeViewSet, basename="leave-type")
router.register("leave/requests", api.LeaveRequestViewSet, basename="leave-request")
router.register("leave/ledger", api.LeaveLedgerViewSet, basename="leave-ledger")
router.register("leave/forfeiture-notices", api.LeaveForfeitureNoticeViewSet, basename="leave-forfeiture-notice")
router.register("leave/calendar-feeds", api.LeaveCalendarFeedViewSet, basename="leave-calendar-feed")
router.register("holiday-calendars", api.HolidayCalendarViewSet, basename="holiday-calendar")
router.register("holidays", api.HolidayViewSet, basename="holiday")
router.register(
    "working-time-accounts/adjustments", api_account.WorkingTimeAdjustmentViewSet, basename="working-time-adjustment"
)
router.register("month-closings", api.MonthClosingViewSet, basename="month-closing")

# The custom paths come first so that no router pattern can shadow them.
urlpatterns = [
    re_path(r"^leave/calendar\.ics/?$", api.LeaveCalendarIcsView.as_view(), name="leave-calendar-ics"),
    re_path(r"^leave/calendar/?$", api.LeaveCalendarView.as_view(), name="leave-calendar"),
    re_path(r"^leave/balances/?$", api.LeaveBalancesView.as_view(), name="leave-balances"),
    re_path(r"^working-time-accounts/?$", api_account.WorkingTimeAccountView.as_view(), name="working-time-account"),
    *router.urls,
]
