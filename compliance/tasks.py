"""Compliance's background work: the daily scan that records violations the live checks
cannot see coming (a rest or an average that only breaks once the days have passed), and
the re-judging of averages after a leave decision."""

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from compliance import services
from compliance.selectors import longest_reference_period_weeks
from core.audit import task_actor
from core.locks import PeriodicJob
from core.outbox import RETRY_ON_OUTAGE
from users.models import User


@shared_task(bind=True, base=PeriodicJob, name="compliance.tasks.compliance_scan_task")
def compliance_scan_task(self, days_back: int | None = None, actor_id: int | None = None) -> dict[str, int]:
    """Judge every active user's last `days_back` days up to today: by default
    COMPLIANCE_SCAN_DAYS or the longest reference period of any policy, whichever is
    longer, so every week whose average a late change can move is judged again.
    Idempotent: violations are unique per user, rule and period."""
    if days_back is None:
        days_back = max(settings.COMPLIANCE_SCAN_DAYS, 7 * longest_reference_period_weeks())
    today = timezone.localdate()
    with task_actor(actor_id, f"system:{self.name}"):
        return services.compliance_scan(start=today - timedelta(days=days_back), end=today)


@shared_task(name="compliance.tasks.compliance_rejudge_averages_task", **RETRY_ON_OUTAGE)
def compliance_rejudge_averages_task(user_id: int, first_day: str, last_day: str) -> dict[str, int]:
    """`services.compliance_rejudge_averages` for a leave decision over these days.
    Idempotent: it records what the entries and the leave now say."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return {"created": 0, "updated": 0, "resolved": 0}
    with task_actor(None, "system:compliance.tasks.compliance_rejudge_averages_task"):
        return services.compliance_rejudge_averages(
            user=user, first_day=date.fromisoformat(first_day), last_day=date.fromisoformat(last_day)
        )
