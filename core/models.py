from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """A business event (login, approval, lock, export…) with who did it and from where.

    Field-level history of models comes from django-auditlog; this table holds what a
    field diff cannot say: the action itself, its actor over JWT as well as sessions, and
    failed attempts that change no row. `subject` is the person the event is about, so a
    manager's view of the trail is one indexed filter; `actor_label` names a system actor
    (a scheduled task, a seed command) when no person acted.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    actor_label = models.CharField(
        max_length=100, blank=True, help_text='A system actor such as "system:celery-beat" when no person acted.'
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=True,
        related_name="audit_events_about",
        help_text="The person the event is about.",
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}".strip()


class PeriodicJobRun(models.Model):
    """One schedule slot of a periodic job, claimed by the run beat dispatched for it, so a
    second beat's dispatch of the same slot is skipped (see `core.locks`)."""

    task = models.CharField(max_length=200)
    slot = models.DateTimeField(help_text="The scheduled time this run is for.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "slot"], name="periodic_job_run_once_per_slot")]

    def __str__(self) -> str:
        return f"{self.task} @ {self.slot:%Y-%m-%d %H:%M}"


class OutboxMessage(models.Model):
    """A Celery task request written in the transaction of the change that asked for it,
    so the work survives a broker outage: sent on commit, or later by `core.outbox.relay`
    with backoff. `sent_at` is set once the broker took the message."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="core_outbox_unsent_due"
            ),
            models.Index(fields=["sent_at"], condition=models.Q(sent_at__isnull=False), name="core_outbox_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({'sent' if self.sent_at else 'unsent'})"


class SentNotification(models.Model):
    """One row per notification already sent, keyed by what it announces (e.g.
    "leave_decided:42:approved:2026-03-09T10:00:00+00:00"): a redelivered task finds its
    key and sends nothing."""

    key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key
