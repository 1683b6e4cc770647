"""Imports' background work: validating and committing a file, judging the days an import
touched, and (nightly) deleting the files of finished imports. All are idempotent."""

from celery import shared_task

from core.audit import task_actor
from core.locks import PeriodicJob
from core.outbox import RETRY_ON_OUTAGE, TRANSIENT_ERRORS, retry_or_give_up
from imports import services


@shared_task(bind=True, name="imports.tasks.import_process", max_retries=RETRY_ON_OUTAGE["max_retries"])
def import_process(self, import_id: int) -> str:
    """Validate (and commit) one import. A database or broker outage is retried with
    backoff; after the last retry the import is marked failed with the reason."""
    try:
        return services.import_process(import_id=import_id).status
    except TRANSIENT_ERRORS as error:
        return retry_or_give_up(
            self, error, lambda reason: services.import_fail(import_id=import_id, reason=reason).status
        )


@shared_task(name="imports.tasks.import_judge", **RETRY_ON_OUTAGE)
def import_judge(people_days: dict[str, list[str]]) -> int:
    """Compliance over the days an import wrote or removed (idempotent: it records what the
    entries now say)."""
    with task_actor(None, "system:imports.tasks.import_judge"):
        return services.import_judge(people_days=people_days)


@shared_task(base=PeriodicJob, name="imports.tasks.import_files_purge_task")
def import_files_purge_task() -> int:
    """Nightly: delete the uploaded files of finished imports older than
    IMPORT_FILE_RETENTION_DAYS (the imports and their hashes stay)."""
    return services.import_files_purge()
