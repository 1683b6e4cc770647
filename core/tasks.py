from celery import shared_task

from core import outbox
from core.audit import audit_purge_expired, task_actor
from core.locks import PeriodicJob


@shared_task(bind=True, base=PeriodicJob, name="core.tasks.audit_purge_expired_task")
def audit_purge_expired_task(self, actor_id: int | None = None) -> dict:
    """The nightly retention purge (celery-beat), or one someone started: `actor_id` is then
    recorded as the actor of its "audit_purged" event."""
    with task_actor(actor_id, f"system:{self.name}") as acting:
        return audit_purge_expired(actor=acting.user, actor_label=acting.label)


@shared_task(base=PeriodicJob, name="core.tasks.outbox_relay")
def outbox_relay() -> dict:
    """Every minute (celery-beat): send the outbox messages the broker did not take at commit."""
    return outbox.relay()
