"""The webhooks API as admins use it: who may, what is checked, the secret shown once and
never again (not in answers, audit rows or logs: issue 19, acceptance 5), and the schema."""

import logging

import pytest
from auditlog.models import LogEntry

from core.models import AuditEvent
from webhooks.models import Webhook
from webhooks.tests.conftest import HOOKS, signature_valid

ENTRIES = "/api/v1/time-entries"
GOOD_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # base64 of 24 bytes


@pytest.mark.django_db
def test_only_admins_manage_webhooks_and_every_admin_sees_every_webhook(api, anon, alice, bob, carol, register):
    created = register("https://hooks.example.com/tt")
    other_admin = type(carol).objects.create(email="olga@example.com", role=carol.role)
    listed = api(other_admin).get(HOOKS)
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["results"]] == [created["id"]]
    assert listed.json()["results"][0]["owner"] == carol.pk
    for person in (alice, bob):
        assert api(person).get(HOOKS).status_code == 403
        assert api(person).get(f"{HOOKS}/{created['id']}").status_code == 403
        assert api(person).post(HOOKS, {"url": "https://x.example.com", "events": ["month.closed"]}).status_code == 403
        assert api(person).get(f"{HOOKS}/{created['id']}/deliveries").status_code == 403
    assert anon.get(HOOKS).status_code == 401
    assert api(carol).get(f"{HOOKS}/999999").status_code == 404
    assert api(carol).get(f"{HOOKS}/abc").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://files.example.com/x", "events": ["month.closed"]}, "url"),
        ({"url": "not a url", "events": ["month.closed"]}, "url"),
        ({"url": "https://hooks.example.com", "events": ["month.opened"]}, "events"),
        ({"url": "https://hooks.example.com", "events": []}, "events"),
        ({"url": "https://hooks.example.com", "events": "month.closed"}, "events"),
        ({"url": "https://hooks.example.com", "events": ["month.closed"], "secret": "hunter2"}, "secret"),
        ({"url": "https://hooks.example.com", "events": ["month.closed"], "secret": "whsec_c2hvcnQ="}, "secret"),
        ({"events": ["month.closed"]}, "url"),
        ({"url": "https://hooks.example.com:99999/x", "events": ["month.closed"]}, "url"),
        ({"url": "http://[::1/x", "events": ["month.closed"]}, "url"),
        ({"url": "https://hooks example.com/x", "events": ["month.closed"]}, "url"),
        ({"url": "https://hooks.example.com/" + "x" * 2000, "events": ["month.closed"]}, "url"),
        ({"url": "https://hooks.example.com", "events": [{"name": "month.closed"}]}, "events"),
        ({"url": "https://hooks.example.com", "events": ["month.closed"], "description": "d" * 201}, "description"),
    ],
)
def test_bad_input_is_400_naming_the_field(api, carol, body, field):
    response = api(carol).post(HOOKS, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in {name.split(".")[0] for name in response.json()["errors"]}, response.json()
    assert not Webhook.objects.exists()


@pytest.mark.django_db
def test_production_sends_over_https_only(api, carol, settings):
    settings.WEBHOOK_HTTPS_ONLY = True
    plain = api(carol).post(HOOKS, {"url": "http://hooks.example.com/tt", "events": ["month.closed"]}, format="json")
    assert plain.status_code == 400 and plain.json()["errors"] == {"url": ["Webhooks are sent over https only."]}
    secure = api(carol).post(HOOKS, {"url": "https://hooks.example.com/tt", "events": ["month.closed"]}, format="json")
    assert secure.status_code == 201


@pytest.mark.django_db
def test_the_secret_is_shown_on_create_and_rotation_only(api, carol, register):
    created = register("https://hooks.example.com/tt", events=["month.closed", "month.closed"], description="Payroll")
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) == 6 + 44  # base64 of 32 random bytes
    assert created["secret_prefix"] == secret[:10] and created["events"] == ["month.closed"]
    url = f"{HOOKS}/{created['id']}"
    answers = [
        api(carol).get(HOOKS),
        api(carol).get(url),
        api(carol).patch(url, {"description": "Payroll export", "events": ["month.closed", "violation.created"]}),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.json()
        assert secret not in answer.content.decode() and '"secret"' not in answer.content.decode()
    assert answers[2].json()["events"] == ["month.closed", "violation.created"]

    rotated = api(carol).post(f"{url}/rotate-secret")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != secret
    assert new_secret not in api(carol).get(url).content.decode()
    assert Webhook.objects.get().secret == new_secret


@pytest.mark.django_db
def test_a_secret_of_ones_own_is_kept_and_signs(
    api, carol, alice, internal, receiver, register, frozen_2026_03_02, django_capture_on_commit_callbacks
):
    alice.employment_start = alice.employment_start.replace(year=2020)
    alice.save(update_fields=["employment_start"])
    created = register(receiver.url, events=["time_entry.created"], secret=GOOD_SECRET)
    assert "secret" in created and created["secret"] == GOOD_SECRET
    with django_capture_on_commit_callbacks(execute=True):
        api(alice).post(
            ENTRIES, {"project": internal.pk, "start": "2026-02-24T08:00:00Z", "end": "2026-02-24T09:00:00Z"}
        )
    [request] = receiver.requests
    assert signature_valid(GOOD_SECRET, request)


@pytest.mark.django_db
def test_secrets_stay_out_of_audit_rows_and_logs(
    api, carol, alice, internal, receiver, register, frozen_2026_03_02, caplog, django_capture_on_commit_callbacks
):
    alice.employment_start = alice.employment_start.replace(year=2020)
    alice.save(update_fields=["employment_start"])
    caplog.set_level(logging.DEBUG)
    created = register(receiver.url, events=["time_entry.created"])
    url = f"{HOOKS}/{created['id']}"
    rotated = api(carol).post(f"{url}/rotate-secret").json()["secret"]
    receiver.then = 500
    with django_capture_on_commit_callbacks(execute=True):
        api(alice).post(
            ENTRIES, {"project": internal.pk, "start": "2026-02-24T08:00:00Z", "end": "2026-02-24T09:00:00Z"}
        )
        api(carol).post(f"{url}/test")
    api(carol).patch(url, {"active": False}, format="json")
    assert api(carol).delete(url).status_code == 204

    actions = list(
        AuditEvent.objects.filter(target_type="webhooks.webhook").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["webhook_created", "webhook_secret_rotated", "webhook_updated", "webhook_deleted"]
    history = LogEntry.objects.filter(content_type__app_label="webhooks")
    # Create, switch off, delete: the rotation changed only the secret, whose field is not recorded.
    assert [entry.action for entry in history.order_by("pk")] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.DELETE,
    ]
    trail = " ".join(
        [str(row) for row in AuditEvent.objects.values_list("data", "target_repr")]
        + [f"{entry.changes} {entry.object_repr}" for entry in history]
    )
    for secret in (created["secret"], rotated):
        for part in (secret, secret.removeprefix("whsec_")):
            assert part not in trail
            assert part not in caplog.text
    assert "webhook" in caplog.text  # the deliveries were logged, without the secret


@pytest.mark.django_db
def test_the_schema_lists_the_webhook_paths(anon):
    schema = anon.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/webhooks",
        "/api/v1/webhooks/{id}",
        "/api/v1/webhooks/{id}/rotate-secret",
        "/api/v1/webhooks/{id}/test",
        "/api/v1/webhooks/{id}/deliveries",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    } <= set(schema["paths"])
    created = schema["paths"]["/api/v1/webhooks"]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["$ref"].endswith("/WebhookWithSecret")
    listed = schema["components"]["schemas"]["Webhook"]["properties"]
    assert "secret" not in listed and "secret_prefix" in listed
    assert "secret" in schema["components"]["schemas"]["WebhookCreateRequest"]["properties"]


@pytest.mark.django_db
def test_the_admin_lists_webhooks_and_deliveries_read_only(client, carol, register):
    created = register("https://hooks.example.com/tt", events=["month.closed"])
    client.force_login(carol)
    changelist = client.get("/admin/webhooks/webhook/")
    assert changelist.status_code == 200 and "hooks.example.com" in changelist.content.decode()
    detail = client.get(f"/admin/webhooks/webhook/{created['id']}/change/")
    assert detail.status_code == 200 and created["secret"] not in detail.content.decode()
    assert client.get("/admin/webhooks/webhookdelivery/").status_code == 200
    assert client.get("/admin/webhooks/webhook/add/").status_code == 403


@pytest.mark.django_db
def test_changes_are_checked_like_a_create_and_a_switched_off_webhook_sends_no_test(api, carol, settings, register):
    created = register("https://hooks.example.com/tt", events=["month.closed"])
    url = f"{HOOKS}/{created['id']}"
    settings.WEBHOOK_ALLOW_PRIVATE = False
    for body, field in (
        ({"events": ["month.closed", "payday"]}, "events"),
        ({"url": "http://192.168.1.20/hook"}, "url"),
        ({"url": "gopher://hooks.example.com"}, "url"),
    ):
        response = api(carol).patch(url, body, format="json")
        assert response.status_code == 400 and field in response.json()["errors"], response.json()
    unchanged = api(carol).get(url).json()
    assert (unchanged["url"], unchanged["events"]) == ("https://hooks.example.com/tt", ["month.closed"])

    assert api(carol).patch(url, {"active": False}, format="json").json()["active"] is False
    refused = api(carol).post(f"{url}/test")
    assert refused.status_code == 409 and refused.json()["code"] == "webhook_inactive"
    assert api(carol).put(url, {"url": "https://x.example.com", "events": ["month.closed"]}).status_code == 405
