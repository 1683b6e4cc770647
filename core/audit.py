"""Audit plumbing: the actor for django-auditlog and business events in AuditEvent."""

from datetime import timedelta

from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import AuditEvent
from core.net import client_ip


class AuditActorMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the client address taken the same way the rate limits
    take it (auditlog's own believes any X-Forwarded-For)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)


def audit_actor_set(user) -> None:
    """Make `user` the actor of auditlog entries for the rest of this request.

    auditlog's middleware captures `request.user` before DRF authenticates a JWT, so the
    DRF authentication classes call this once they know the user.
    """
    try:
        context = auditlog_value.get()
    except LookupError:  # outside a request (tasks, shell): callers pass the actor explicitly
        return
    context["actor"] = user


def audit_event_record(
    *,
    action: str,
    actor=None,
    target: models.Model | None = None,
    ip_address: str | None = None,
    request=None,
    data: dict | None = None,
) -> AuditEvent:
    """Write one business event. Call it inside the service's transaction."""
    if request is not None and ip_address is None:
        ip_address = client_ip(request)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        ip_address=ip_address,
        data=data or {},
    )


def audit_purge_expired(*, now=None) -> dict[str, int]:
    """Delete audit rows older than AUDIT_RETENTION days; returns how many of each."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION)
    events, _ = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
    log_entries, _ = LogEntry.objects.filter(timestamp__lt=cutoff).delete()
    return {"events": events, "log_entries": log_entries}
