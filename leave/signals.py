from auditlog.registry import auditlog

from leave.models import (
    CalendarFeed,
    Holiday,
    HolidayCalendar,
    LeaveForfeitureNotice,
    LeaveLedgerEntry,
    LeaveRequest,
    LeaveType,
    WorkingTimeAdjustment,
)

auditlog.register(LeaveType)
auditlog.register(HolidayCalendar)
auditlog.register(Holiday)
auditlog.register(LeaveRequest)
auditlog.register(LeaveLedgerEntry)
auditlog.register(WorkingTimeAdjustment)
auditlog.register(LeaveForfeitureNotice)
# The token is the feed's secret URL: never copied into the history.
auditlog.register(CalendarFeed, exclude_fields=["token"])
