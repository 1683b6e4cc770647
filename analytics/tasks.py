from celery import shared_task

from analytics import services
from core.locks import PeriodicJob


@shared_task(name="analytics.tasks.export_run")
def export_run(export_id: int) -> str:
    """Build the file of one background export (idempotent: a finished export is kept)."""
    return services.export_build(export_id=export_id).status


@shared_task(base=PeriodicJob, name="analytics.tasks.exports_purge_expired_task")
def exports_purge_expired_task() -> int:
    """Nightly: delete exports older than seven days, files included."""
    return services.exports_purge_expired()


@shared_task(base=PeriodicJob, name="analytics.tasks.exports_reap_stale_task")
def exports_reap_stale_task() -> dict[str, int]:
    """Every few minutes: queue again (once) or fail the exports a dead worker left behind."""
    return services.exports_reap_stale()
