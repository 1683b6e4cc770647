from celery import shared_task

from core.audit import audit_purge_expired


@shared_task(name="core.tasks.audit_purge_expired_task")
def audit_purge_expired_task() -> dict[str, int]:
    return audit_purge_expired()
