"""Webhooks in German: refusals in the admin's language, the switched-off notice in each
recipient's."""

from datetime import UTC, datetime

import pytest
from django.core import mail

from webhooks.models import Webhook, WebhookDelivery, WebhookEvent
from webhooks.tasks import webhook_disabled_notify
from webhooks.tests.conftest import HOOKS

FAILING_SINCE = datetime(2026, 2, 26, 9, 0, tzinfo=UTC)


def speaks(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.mark.django_db
def test_a_refused_address_is_explained_in_german(api, carol):
    response = api(speaks(carol, "de")).post(HOOKS, {"url": "ftp://example.com/hook", "events": []}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"url": ["Geben Sie eine http(s)-Adresse mit Host an."]}


@pytest.mark.django_db
def test_the_switched_off_notice_goes_to_each_admin_in_their_language(carol, bob, register, frozen_2026_03_02):
    hook = register("https://hooks.example.com/time", description="Payroll sync")
    admins = [speaks(carol, "de"), speaks(bob, "en")]
    for admin in admins[1:]:
        admin.role = admin.Role.ADMIN
        admin.save(update_fields=["role"])
    Webhook.objects.filter(pk=hook["id"]).update(
        owner=None, active=False, failing_since=FAILING_SINCE, disabled_reason="Every delivery failed."
    )

    sent = webhook_disabled_notify(hook["id"], FAILING_SINCE.isoformat())

    german, english = sorted(mail.outbox, key=lambda message: message.to)[::-1]
    assert sent == 2
    assert german.to == ["carol@example.com"] and english.to == ["bob@example.com"]
    assert german.subject == f"[Time Tracker] Webhook {hook['id']} ausgeschaltet"
    assert german.body.startswith(f"Webhook {hook['id']} an hooks.example.com (Payroll sync) wurde ausgeschaltet.")
    assert english.subject == f"[Time Tracker] Webhook {hook['id']} switched off"
    assert english.body.startswith(f"Webhook {hook['id']} to hooks.example.com (Payroll sync) was switched off.")


ENGLISH_REASON = "Every delivery failed since 2026-02-26 09:00 UTC, more than 3 days."
GERMAN_REASON = "Jede Zustellung ist seit 2026-02-26 09:00 UTC fehlgeschlagen, länger als 3 Tage."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "reason", "error"),
    [("de", GERMAN_REASON, "der Webhook wurde ausgeschaltet"), ("en", ENGLISH_REASON, "the webhook was switched off")],
)
def test_why_a_webhook_was_switched_off_reads_in_the_readers_language(api, carol, register, language, reason, error):
    """The worker stores its reasons in English; a reason stored in German before reads back too."""
    hook = register("https://hooks.example.com/time", description="Payroll sync")
    Webhook.objects.filter(pk=hook["id"]).update(
        active=False, failing_since=FAILING_SINCE, disabled_reason=GERMAN_REASON
    )
    event = WebhookEvent.objects.create(id="msg_switched_off", event="webhook.test", body="{}")
    WebhookDelivery.objects.create(
        webhook_id=hook["id"], message=event, status="failed", last_error="the webhook was switched off"
    )
    client = api(speaks(carol, language))

    shown = client.get(f"{HOOKS}/{hook['id']}").json()
    deliveries = client.get(f"{HOOKS}/{hook['id']}/deliveries").json()["results"]

    assert (shown["disabled_reason"], shown["disabled_reason_localized"]) == (GERMAN_REASON, reason)
    assert [(row["last_error"], row["last_error_localized"]) for row in deliveries] == [
        ("the webhook was switched off", error)
    ]
