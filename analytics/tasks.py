from celery import shared_task

from analytics import services
from core.locks import PeriodicJob
from core.outbox import RETRY_ON_OUTAGE, TRANSIENT_ERRORS, retry_or_give_up


@shared_task(
    bind=True,
    name="analytics.tasks.export_run",
    max_retries=RETRY_ON_OUTAGE["max_retries"],
)
def export_run(self, export_id: int) -> str:
    """Build the file of one background export (idempotent: a finished export is kept). A
    database or broker outage is retried with backoff; after the last retry the export is
    marked failed with the reason, so nobody waits on a "pending" one forever."""
    try:
        return services.export_build(export_id=export_id).status
    except TRANSIENT_ERRORS as error:
        return retry_or_give_up(
            self, error, lambda reason: services.export_fail(export_id=export_id, reason=reason).status
        )


@shared_task(base=PeriodicJob, name="analytics.tasks.exports_purge_expired_task")
def exports_purge_expired_task() -> int:
    """Nightly: delete exports older than seven days, files included."""
    return services.exports_purge_expired()


@shared_task(base=PeriodicJob, name="analytics.tasks.exports_reap_stale_task")
def exports_reap_stale_task() -> dict[str, int]:
    """Every few minutes: queue again (once) or fail the exports a dead worker left behind."""
    return services.exports_reap_stale()
