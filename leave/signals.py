from auditlog.registry import auditlog

from leave.models import Holiday, HolidayCalendar, LeaveLedgerEntry, LeaveRequest, LeaveType

auditlog.register(LeaveType)
auditlog.register(HolidayCalendar)
auditlog.register(Holiday)
auditlog.register(LeaveRequest)
auditlog.register(LeaveLedgerEntry)
