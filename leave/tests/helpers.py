from datetime import date

from leave import services
from leave.models import LeaveRequest


def ask(user, leave_type, start: str, end: str | None = None, **extra) -> LeaveRequest:
    """Request leave through the service, dates as ISO strings (one day when `end` is left out)."""
    return services.leave_request_create(
        actor=user,
        leave_type=leave_type,
        start_date=date.fromisoformat(start),
        end_date=date.fromisoformat(end or start),
        **extra,
    )
