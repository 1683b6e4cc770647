"""Compliance's background work: the daily scan that records violations the live checks
cannot see coming (a rest or an average that only breaks once the days have passed)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from compliance import services
from core.audit import task_actor
from core.locks import PeriodicJob


@shared_task(bind=True, base=PeriodicJob, name="compliance.tasks.compliance_scan_task")
def compliance_scan_task(self, days_back: int | None = None, actor_id: int | None = None) -> dict[str, int]:
    """Judge every active user's last `days_back` days (COMPLIANCE_SCAN_DAYS) up to today.
    Idempotent: violations are unique per user, rule and period."""
    days = settings.COMPLIANCE_SCAN_DAYS if days_back is None else days_back
    today = timezone.localdate()
    with task_actor(actor_id, f"system:{self.name}"):
        return services.compliance_scan(start=today - timedelta(days=days), end=today)
