from django.db.models import QuerySet

from webhooks.models import Webhook, WebhookDelivery


def webhooks_visible_to(user) -> QuerySet[Webhook]:
    """Admins see every webhook, whoever registered it (webhooks belong to the company; the
    owner is who is told when one is switched off); nobody else sees any."""
    return Webhook.objects.select_related("owner") if user.is_admin else Webhook.objects.none()


def deliveries_of(webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """The webhook's delivery log, newest first, each with its attempts."""
    return (
        WebhookDelivery.objects.filter(webhook=webhook)
        .select_related("message")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-pk")
    )
