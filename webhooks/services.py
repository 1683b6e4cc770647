"""Webhooks: admins say where which events go; events are frozen and queued in the
transaction that caused them. Every write is audited, never with the secret."""

import ipaddress
import json
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from core.permissions import ensure_admin
from users.models import User
from webhooks import signing
from webhooks.deliveries import IN_FLIGHT_LEASE, deliveries_queue, delivery_queue
from webhooks.models import EVENTS, TEST_EVENT, Webhook, WebhookDelivery, WebhookEvent
from webhooks.selectors import subscribed_events, subscriptions_changed

ADMIN_ONLY = gettext_lazy("Only admins can manage webhooks.")
EDITABLE = ("url", "description", "events", "active")


def _url_checked(url: str) -> str:
    """http(s) with a host; https only where `WEBHOOK_HTTPS_ONLY` (production). An address
    written as an IP must be public (unless `WEBHOOK_ALLOW_PRIVATE`); names are checked when
    sending, after they are resolved."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading it checks it: ValueError when out of range)
    except ValueError as error:
        raise DomainValidationError(_("Not a usable address: %(error)s.") % {"error": error}, field="url") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainValidationError(_("Give an http(s) address with a host."), field="url")
    if parts.scheme != "https" and settings.WEBHOOK_HTTPS_ONLY:
        raise DomainValidationError(_("Webhooks are sent over https only."), field="url")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return url
    if not (settings.WEBHOOK_ALLOW_PRIVATE or (literal.is_global and not literal.is_multicast)):
        raise DomainValidationError(
            _("%(host)s is a private or reserved address.") % {"host": parts.hostname}, field="url"
        )
    return url


def _events_checked(events) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(name, str) for name in events):
        raise DomainValidationError(_("Give a list of one or more events."), field="events")
    unknown = [name for name in events if name not in EVENTS]
    if unknown:
        raise DomainValidationError(
            _("Unknown event %(event)r; the events are: %(events)s.")
            % {"event": unknown[0], "events": ", ".join(EVENTS)},
            field="events",
        )
    return list(dict.fromkeys(events))


def _audited(webhook: Webhook) -> dict:
    return {"url": webhook.url, "events": webhook.events, "active": webhook.active}


@transaction.atomic
def webhook_create(
    *, actor: User, url: str, events: list[str], description: str = "", active: bool = True, secret: str = ""
) -> Webhook:
    """An admin registers a webhook; they own it. Without a `secret` one is made."""
    ensure_admin(actor, denied=ADMIN_ONLY)
    webhook = Webhook.objects.create(
        owner=actor,
        url=_url_checked(url),
        events=_events_checked(events),
        description=description,
        active=active,
        secret=signing.secret_check(secret) if secret else signing.secret_generate(),
    )
    audit_event_record(action="webhook_created", actor=actor, target=webhook, data=_audited(webhook))
    subscriptions_changed()
    return webhook


@transaction.atomic
def webhook_update(*, webhook_id: int, actor: User, **fields) -> Webhook:
    """Change a webhook's address, events, description or active flag. Switching it on
    again forgets the failing streak that switched it off."""
    ensure_admin(actor, denied=ADMIN_ONLY)
    webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
    before = _audited(webhook)
    if "url" in fields:
        webhook.url = _url_checked(fields["url"])
    if "events" in fields:
        webhook.events = _events_checked(fields["events"])
    if "description" in fields:
        webhook.description = fields["description"]
    if fields.get("active") and not webhook.active:
        webhook.failing_since, webhook.disabled_reason = None, ""
    if "active" in fields:
        webhook.active = fields["active"]
    webhook.save()
    after = _audited(webhook)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    audit_event_record(action="webhook_updated", actor=actor, target=webhook, data={"changes": changes})
    subscriptions_changed()
    return webhook


@transaction.atomic
def webhook_secret_rotate(*, webhook_id: int, actor: User) -> Webhook:
    """A new secret signs every attempt from now on (pending retries included)."""
    ensure_admin(actor, denied=ADMIN_ONLY)
    webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
    webhook.secret = signing.secret_generate()
    webhook.save(update_fields=["secret", "updated_at"])
    audit_event_record(action="webhook_secret_rotated", actor=actor, target=webhook)
    return webhook


@transaction.atomic
def webhook_delete(*, webhook_id: int, actor: User) -> None:
    """Delete a webhook with its delivery log."""
    ensure_admin(actor, denied=ADMIN_ONLY)
    webhook = Webhook.objects.select_for_update().get(pk=webhook_id)
    audit_event_record(action="webhook_deleted", actor=actor, target=webhook, data=_audited(webhook))
    webhook.delete()
    subscriptions_changed()


def _event_frozen(event: str, data: dict) -> WebhookEvent:
    """The event's message as it will be sent, not yet saved."""
    message_id = f"msg_{uuid.uuid4().hex}"
    created_at = timezone.now()
    body = {"id": message_id, "event": event, "created_at": created_at.isoformat(), "data": data}
    text = json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False)
    return WebhookEvent(id=message_id, event=event, body=text, created_at=created_at)


def _event_freeze(event: str, data: dict) -> WebhookEvent:
    message = _event_frozen(event, data)
    message.save(force_insert=True)
    return message


def _delivery_start(webhook: Webhook, message: WebhookEvent, **extra) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.create(webhook=webhook, message=message, **extra)
    delivery_queue(delivery)
    return delivery


def webhook_event_publish(*, event: str, data_of: Callable[[], dict]) -> WebhookEvent | None:
    """Inside the transaction of the change: freeze the event (`data_of()` is asked only when
    an active webhook subscribes to it) and queue one delivery per such webhook."""
    if event not in subscribed_events():
        return None
    webhooks = [webhook for webhook in Webhook.objects.filter(active=True) if event in webhook.events]
    if not webhooks:
        return None
    message = _event_freeze(event, data_of())
    for webhook in webhooks:
        _delivery_start(webhook, message)
    return message


def webhook_events_publish(*, event: str, data_of_each: list[Callable[[], dict]]) -> list[WebhookEvent]:
    """`webhook_event_publish` for many events of one kind at once (a bulk write's): the
    webhooks read once, the events, their deliveries and the deliveries' outbox messages
    each written in one INSERT. Nothing is asked or written when no active webhook
    subscribes to `event`."""
    if not data_of_each or event not in subscribed_events():
        return []
    webhooks = [webhook for webhook in Webhook.objects.filter(active=True) if event in webhook.events]
    if not webhooks:
        return []
    messages = WebhookEvent.objects.bulk_create([_event_frozen(event, data_of()) for data_of in data_of_each])
    lease_end = timezone.now() + IN_FLIGHT_LEASE
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(webhook=webhook, message=message, next_attempt_at=lease_end)
            for message in messages
            for webhook in webhooks
        ]
    )
    deliveries_queue(deliveries)
    return messages


@transaction.atomic
def webhook_test_send(*, webhook_id: int, actor: User) -> WebhookDelivery:
    """Send a `webhook.test` event to this webhook only, so its receiver can be checked."""
    ensure_admin(actor, denied=ADMIN_ONLY)
    webhook = Webhook.objects.get(pk=webhook_id)
    if not webhook.active:
        raise Conflict(_("The webhook is switched off; switch it on first."), code="webhook_inactive")
    data = {"webhook": webhook.pk, "message": f"A test event from {settings.PROJECT_NAME}."}
    return _delivery_start(webhook, _event_freeze(TEST_EVENT, data))


@transaction.atomic
def webhook_redeliver(*, delivery_id: int, actor: User) -> WebhookDelivery:
    """Send a finished delivery's event again: a new delivery with the same `Webhook-Id`
    (and body), so receivers that saw it already recognise it."""
    ensure_admin(actor, denied=ADMIN_ONLY)
    previous = WebhookDelivery.objects.select_related("webhook", "message").get(pk=delivery_id)
    if previous.status == WebhookDelivery.Status.PENDING:
        raise Conflict(_("This delivery is still being tried; wait for it to finish."), code="delivery_pending")
    if not previous.webhook.active:
        raise Conflict(_("The webhook is switched off; switch it on first."), code="webhook_inactive")
    return _delivery_start(previous.webhook, previous.message, redelivery_of=previous)
