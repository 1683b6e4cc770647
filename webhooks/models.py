"""Webhooks (issue 19): where to send which events, the events as sent, and the log of
every delivery and its attempts."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.texts import text_translated

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


# What the delivery worker writes about a webhook it switched off: kept in English (the
# API's `disabled_reason` and `last_error`) and shown translated (`*_text`, `core.texts`).
DISABLED_REASON = gettext_noop("Every delivery failed since %(moment)s UTC, more than %(days)s days.")
SWITCHED_OFF = gettext_noop("the webhook was switched off")
DISABLED = gettext_noop("the webhook was disabled")


class Webhook(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhooks",
        verbose_name=_("owner"),
    )
    url = models.URLField(max_length=2000, verbose_name=_("URL"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    events = models.JSONField(default=list, verbose_name=_("events"))
    # "whsec_" + base64 (Standard Webhooks). Kept readable because every delivery is signed
    # with it; shown once (create, rotate) and never again: responses give `secret_prefix`.
    secret = models.CharField(max_length=120, verbose_name=_("secret"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    failing_since = models.DateTimeField(null=True, blank=True, verbose_name=_("failing since"))
    disabled_reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason switched off"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["pk"]

    def __str__(self) -> str:
        # The host only: a URL's path or query may carry the receiver's own token.
        return gettext("Webhook %(id)s to %(host)s") % {"id": self.pk, "host": urlsplit(self.url).hostname}

    @property
    def disabled_reason_text(self) -> str:
        """Why it was switched off, in the active language (a reason stored in English or German)."""
        return text_translated(self.disabled_reason, [DISABLED_REASON])

    @property
    def secret_prefix(self) -> str:
        return self.secret[:10]


class WebhookEvent(models.Model):
    """One event as sent: `id` is the `Webhook-Id` (`msg_…`), the same for every delivery and
    redelivery of it; `body` is the JSON exactly as signed, frozen when the event happened."""

    id = models.CharField(primary_key=True, max_length=40, verbose_name=_("message ID"))
    event = models.CharField(max_length=50, verbose_name=_("event"))
    body = models.TextField(verbose_name=_("body"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.event} {self.id}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery status", "Pending")
        SUCCEEDED = "succeeded", pgettext_lazy("delivery status", "Succeeded")
        FAILED = "failed", pgettext_lazy("delivery status", "Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook"))
    message = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("message")
    )
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("redelivery of")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    response_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("response code"))
    duration_ms = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("duration (ms)"))
    # While pending: when the due-delivery job sends it next (also the lease of an attempt in flight).
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return gettext("Delivery %(id)s of %(message)s (%(status)s)") % {
            "id": self.pk,
            "message": self.message_id,
            "status": self.get_status_display().lower(),
        }

    @property
    def last_error_text(self) -> str:
        """The last error in the active language where the worker wrote it; a receiver's or the
        network's own error as it came."""
        return text_translated(self.last_error, [SWITCHED_OFF, DISABLED])


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: the log's line."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    number = models.PositiveSmallIntegerField(verbose_name=_("number"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    response_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("response code"))
    duration_ms = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("duration (ms)"))
    succeeded = models.BooleanField(default=False, verbose_name=_("succeeded"))
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")]

    def __str__(self) -> str:
        return gettext("Attempt %(number)s of delivery %(delivery)s") % {
            "number": self.number,
            "delivery": self.delivery_id,
        }
