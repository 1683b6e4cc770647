from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _

from core.i18n import send_mail_translated
from core.locks import PeriodicJob
from core.outbox import RETRY_ON_OUTAGE, send_once
from users.models import User
from webhooks.deliveries import webhook_deliveries_purge, webhook_deliveries_send_due, webhook_delivery_attempt
from webhooks.models import Webhook


@shared_task(name="webhooks.tasks.webhook_deliver_task", **RETRY_ON_OUTAGE)
def webhook_deliver_task(delivery_id: int, attempt: int) -> str | None:
    """One try of a delivery (a duplicate of a try already made does nothing)."""
    return webhook_delivery_attempt(delivery_id=delivery_id, attempt=attempt)


@shared_task(base=PeriodicJob, name="webhooks.tasks.webhook_deliveries_due_task")
def webhook_deliveries_due_task() -> int:
    """Every minute (celery-beat): queue the retries that are due."""
    return webhook_deliveries_send_due()


@shared_task(base=PeriodicJob, name="webhooks.tasks.webhook_deliveries_purge_task")
def webhook_deliveries_purge_task() -> int:
    """Daily (celery-beat): forget deliveries finished more than 30 days ago."""
    return webhook_deliveries_purge()


@shared_task(name="webhooks.tasks.webhook_disabled_notify", **RETRY_ON_OUTAGE)
def webhook_disabled_notify(webhook_id: int, failing_since: str) -> int:
    """Tell the webhook's owner (or, without one, every admin) that it was switched off, once."""
    webhook = Webhook.objects.select_related("owner").filter(pk=webhook_id).first()
    if webhook is None:
        return 0
    owner = webhook.owner
    if owner is not None and owner.is_active:
        recipients = [owner.email]
    else:
        recipients = list(User.objects.filter(is_active=True, role=User.Role.ADMIN).values_list("email", flat=True))
    return send_once(
        f"webhook_disabled:{webhook.pk}:{failing_since}",
        lambda: send_mail_translated(recipients, lambda: _switched_off_mail(webhook)),
    )


def _switched_off_mail(webhook: Webhook) -> tuple[str, str]:
    """(subject, body) of the switched-off notice, in the language active for its recipients."""
    subject = _("[%(project)s] Webhook %(id)s switched off") % {"project": settings.PROJECT_NAME, "id": webhook.pk}
    body = _(
        "%(webhook)s (%(description)s) was switched off.\n\n%(reason)s\n\n"
        "Fix the receiver, then switch the webhook on again (PATCH /api/v1/webhooks/%(id)s "
        '{"active": true}) and redeliver the failed deliveries you still need.'
    ) % {
        "webhook": webhook,
        "description": webhook.description or _("no description"),
        "reason": webhook.disabled_reason_text,
        "id": webhook.pk,
    }
    return subject, body
