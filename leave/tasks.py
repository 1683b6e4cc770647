"""Leave's background work: the yearly/daily ledger jobs, and (defined in
`leave.notifications`, registered here for Celery's autodiscovery) the mails after commit."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.audit import task_actor
from core.locks import PeriodicJob
from leave import services
from leave.notifications import notify_forfeiture_notice, notify_leave_decided, notify_leave_requested

__all__ = [
    "leave_accrue_year_task",
    "leave_carry_over_expire_task",
    "leave_forfeiture_notices_task",
    "month_close_previous_task",
    "notify_forfeiture_notice",
    "notify_leave_decided",
    "notify_leave_requested",
]


@shared_task(bind=True, base=PeriodicJob, name="leave.tasks.leave_accrue_year_task")
def leave_accrue_year_task(self, year: int | None = None, actor_id: int | None = None) -> dict[str, int]:
    with task_actor(actor_id, f"system:{self.name}") as acting:
        return services.leave_accrue_year(year=year or timezone.localdate().year, actor=acting.user)


@shared_task(bind=True, base=PeriodicJob, name="leave.tasks.leave_carry_over_expire_task")
def leave_carry_over_expire_task(self, actor_id: int | None = None) -> int:
    with task_actor(actor_id, f"system:{self.name}"):
        return services.leave_carry_over_expire(today=timezone.localdate())


@shared_task(bind=True, base=PeriodicJob, name="leave.tasks.leave_forfeiture_notices_task")
def leave_forfeiture_notices_task(self, actor_id: int | None = None) -> int:
    """From `LEAVE_NOTICE_DATE` on, tell everyone not told yet how much of this year's leave
    lapses when (`services.leave_forfeiture_notices_send_due`)."""
    with task_actor(actor_id, f"system:{self.name}") as acting:
        return services.leave_forfeiture_notices_send_due(
            today=timezone.localdate(), actor=acting.user, actor_label=acting.label
        )


@shared_task(bind=True, base=PeriodicJob, name="leave.tasks.month_close_previous_task")
def month_close_previous_task(self, actor_id: int | None = None) -> int | None:
    """Close last month for the whole company (when `MONTH_CLOSE_DAY` is set); the closing's
    id, or None when it is off or the month is closed already (a rerun changes nothing)."""
    if settings.MONTH_CLOSE_DAY is None:
        return None
    with task_actor(actor_id, f"system:{self.name}") as acting:
        return services.month_closing_close_if_open(
            month=services.previous_month(timezone.localdate()), actor=acting.user, actor_label=acting.label
        )
