"""Webhooks (issue 19): where to send which events, the events as sent, and the log of
every delivery and its attempts."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models

# Every event a webhook may subscribe to: the one catalogue the API, the admin and the
# services check against (`core.signals.domain_event` and `month_closing` produce them).
EVENTS = (
    "time_entry.created",
    "time_entry.updated",
    "time_entry.deleted",
    "timesheet.submitted",
    "timesheet.approved",
    "timesheet.rejected",
    "leave_request.created",
    "leave_request.approved",
    "leave_request.rejected",
    "leave_request.cancelled",
    "violation.created",
    "month.closed",
)
# Sent by "send test event" to one webhook only; nobody subscribes to it.
TEST_EVENT = "webhook.test"


class Webhook(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    # "whsec_" + base64 (Standard Webhooks). Kept readable because every delivery is signed
    # with it; shown once (create, rotate) and never again: responses give `secret_prefix`.
    secret = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        # The host only: a URL's path or query may carry the receiver's own token.
        return f"Webhook {self.pk} to {urlsplit(self.url).hostname}"

    @property
    def secret_prefix(self) -> str:
        return self.secret[:10]


class WebhookEvent(models.Model):
    """One event as sent: `id` is the `Webhook-Id` (`msg_…`), the same for every delivery and
    redelivery of it; `body` is the JSON exactly as signed, frozen when the event happened."""

    id = models.CharField(primary_key=True, max_length=40)
    event = models.CharField(max_length=50)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.event} {self.id}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # While pending: when the due-delivery job sends it next (also the lease of an attempt in flight).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"Delivery {self.pk} of {self.message_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: the log's line."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"
