import contextlib

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from core.cache import CacheUnavailable, cache_call
from webhooks.models import Webhook, WebhookDelivery

SUBSCRIBED_KEY = "webhooks:subscribed-events"
# Bounds how long a process without the shared cache (local memory) may miss a change.
SUBSCRIBED_SECONDS = 60


def webhooks_visible_to(user) -> QuerySet[Webhook]:
    """Admins see every webhook, whoever registered it (webhooks belong to the company; the
    owner is who is told when one is switched off); nobody else sees any."""
    return Webhook.objects.select_related("owner") if user.is_admin else Webhook.objects.none()


def subscribed_events() -> frozenset[str]:
    """The events some active webhook wants. Every write of the services asks, so the answer
    is cached (a write without subscribers then costs no query); webhook writes forget it."""
    try:
        cached = cache_call(cache.get, SUBSCRIBED_KEY)
    except CacheUnavailable:
        cached = None
    if cached is not None:
        return frozenset(cached)
    events = {name for names in Webhook.objects.filter(active=True).values_list("events", flat=True) for name in names}
    with contextlib.suppress(CacheUnavailable):
        cache_call(cache.set, SUBSCRIBED_KEY, sorted(events), SUBSCRIBED_SECONDS)
    return frozenset(events)


def subscriptions_changed() -> None:
    """Forget the cached subscriptions now and again at commit, so a reader that cached the
    old ones meanwhile does not keep them."""

    def forget():
        with contextlib.suppress(CacheUnavailable):
            cache_call(cache.delete, SUBSCRIBED_KEY)

    forget()
    transaction.on_commit(forget)


def deliveries_of(webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """The webhook's delivery log, newest first, each with its attempts."""
    return (
        WebhookDelivery.objects.filter(webhook=webhook)
        .select_related("message")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-pk")
    )
