"""Personal API tokens (issue 19): made at /api/v1/tokens, sent as `Authorization: Bearer
tt_pat_…` next to JWTs, revoked by their owner, by an admin in the admin, by a password change
or a deactivation. The clock stands at Thursday 12 November 2026, 14:00 UTC."""

import json
import logging
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.test import Client
from rest_framework.test import APIClient

from core.models import AuditEvent
from users.models import PersonalAccessToken, User

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens"
ENTRIES = "/api/v1/time-entries"
ME = "/api/v1/users/me"
ENTRY = {"start": "2026-11-10T09:00:00Z", "end": "2026-11-10T11:00:00Z"}


def make_token(client, name="CI export", **body):
    response = client.post(TOKENS, {"name": name, **body})
    assert response.status_code == 201, response.json()
    return response.json()


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


# --- acceptance 3 ----------------------------------------------------------------------------


def test_a_read_token_lists_entries_and_gets_403_on_writes_then_401_once_revoked(frozen_2026_11_12, api, alice, acme):
    made = make_token(api(alice), scopes=["read"])
    reader = bearer(made["token"])

    assert reader.get(ENTRIES).status_code == 200
    refused = reader.post(ENTRIES, {"project": acme.pk, **ENTRY})
    assert refused.status_code == 403
    assert refused.json()["code"] == "token_read_only"
    assert reader.patch(ME, {"first_name": "Mallory"}).status_code == 403
    assert reader.delete(f"{TOKENS}/{made['id']}").status_code == 403

    assert api(alice).delete(f"{TOKENS}/{made['id']}").status_code == 204
    revoked = reader.get(ENTRIES)
    assert revoked.status_code == 401
    assert revoked.json() == {"detail": "This personal access token has been revoked.", "code": "token_not_valid"}
    assert revoked["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_password_change_revokes_every_token_of_the_person(frozen_2026_11_12, api, alice, frank, password):
    first = bearer(make_token(api(alice), "first")["token"])
    second = bearer(make_token(api(alice), "second", scopes=["read", "write"])["token"])
    franks = bearer(make_token(api(frank), "frank's")["token"])
    assert first.get(ENTRIES).status_code == second.get(ENTRIES).status_code == 200

    changed = api(alice).post(f"{ME}/password", {"old_password": password, "new_password": "a-new-long-phrase-7"})

    assert changed.status_code == 204
    assert first.get(ENTRIES).status_code == second.get(ENTRIES).status_code == 401
    assert franks.get(ENTRIES).status_code == 200
    event = AuditEvent.objects.get(action="personal_tokens_revoked")
    assert (event.actor, event.subject, event.data["count"], event.data["reason"]) == (
        alice,
        alice,
        2,
        "password_changed",
    )


def test_deactivation_revokes_the_tokens_and_reactivation_does_not_bring_them_back(
    frozen_2026_11_12, api, alice, carol
):
    reader = bearer(make_token(api(alice))["token"])

    assert api(carol).post(f"/api/v1/users/{alice.pk}/deactivate").status_code == 200
    assert reader.get(ENTRIES).status_code == 401
    assert api(carol).post(f"/api/v1/users/{alice.pk}/activate").status_code == 200

    assert reader.get(ENTRIES).status_code == 401
    token = PersonalAccessToken.objects.get(user=alice)
    assert token.revoked_by == carol
    assert AuditEvent.objects.get(action="personal_tokens_revoked").data["reason"] == "user_deactivated"


# --- making tokens ----------------------------------------------------------------------------


def test_expiry_defaults_to_90_days_and_may_be_a_year_but_no_more(frozen_2026_11_12, api, alice):
    client = api(alice)
    assert make_token(client)["expires_at"] == "2027-02-10T14:00:00Z"  # 12 Nov + 90 days
    assert make_token(client, expires_at="2027-11-12T14:00:00Z")["expires_at"] == "2027-11-12T14:00:00Z"

    too_long = client.post(TOKENS, {"name": "forever", "expires_at": "2027-11-12T14:00:01Z"})
    assert too_long.status_code == 400
    assert list(too_long.json()["errors"]) == ["expires_at"]
    past = client.post(TOKENS, {"name": "past", "expires_at": "2026-11-12T13:59:59Z"})
    assert past.status_code == 400 and list(past.json()["errors"]) == ["expires_at"]


def test_bad_names_and_scopes_are_400_naming_the_field(frozen_2026_11_12, api, alice):
    client = api(alice)
    assert list(client.post(TOKENS, {"name": "a\nb"}).json()["errors"]) == ["name"]
    assert list(client.post(TOKENS, {"name": "x", "scopes": ["admin"]}).json()["errors"]) == ["scopes.0"]
    assert list(client.post(TOKENS, {"name": "x", "scopes": []}).json()["errors"]) == ["scopes"]
    assert not PersonalAccessToken.objects.exists()


def test_an_expired_token_is_401(frozen_2026_11_12, api, alice):
    reader = bearer(make_token(api(alice), expires_at="2026-11-13T14:00:00Z")["token"])
    assert reader.get(ENTRIES).status_code == 200

    frozen_2026_11_12.shift(timedelta(days=1))

    expired = reader.get(ENTRIES)
    assert expired.status_code == 401
    assert expired.json()["detail"] == "This personal access token has expired."
    assert api(alice).get(TOKENS).json()["results"][0]["status"] == "expired"


def test_a_write_token_does_what_its_owner_may_do(frozen_2026_11_12, api, alice, acme):
    writer = bearer(make_token(api(alice), scopes=["read", "write"])["token"])

    created = writer.post(ENTRIES, {"project": acme.pk, **ENTRY})

    assert created.status_code == 201, created.json()
    assert created.json()["user"] == alice.pk and created.json()["hours"] == 2.0
    assert writer.get(f"/api/v1/users/{alice.pk}").status_code == 200
    assert writer.post("/api/v1/teams", {"name": "Mine"}).status_code == 403  # alice is no admin


def test_a_token_cannot_make_tokens(frozen_2026_11_12, api, alice):
    made = make_token(api(alice), scopes=["write"])
    assert made["scopes"] == ["read", "write"]  # write includes read
    writer = bearer(made["token"])
    refused = writer.post(TOKENS, {"name": "successor", "scopes": ["write"]})
    assert refused.status_code == 403 and refused.json()["code"] == "token_used"
    assert PersonalAccessToken.objects.count() == 1


def test_jwt_still_works_and_an_unknown_token_never_reaches_simplejwt(frozen_2026_11_12, api, alice):
    make_token(api(alice))
    assert api(alice).get(ME).json()["email"] == "alice@example.com"
    assert bearer("not-a-jwt").get(ME).json()["code"] == "token_not_valid"

    unknown = bearer("tt_pat_" + "A" * 43).get(ME)

    assert unknown.status_code == 401
    assert unknown.json() == {"detail": "Unknown personal access token.", "code": "token_not_valid"}


def test_a_person_made_inactive_past_the_services_is_refused_too(frozen_2026_11_12, api, alice):
    reader = bearer(make_token(api(alice))["token"])
    User.objects.filter(pk=alice.pk).update(is_active=False)  # a data fix that bypasses user_update

    refused = reader.get(ENTRIES)

    assert refused.status_code == 401
    assert refused.json() == {"detail": "User is inactive.", "code": "user_inactive"}


def test_tokens_count_against_their_owners_api_limit(frozen_2026_11_12, api, alice, frank, settings):
    settings.RATE_LIMIT_API_USER = "3/h"
    jwt = api(alice)
    reader = bearer(make_token(jwt)["token"])

    assert [reader.get(ENTRIES).status_code, jwt.get(ENTRIES).status_code] == [200, 200]
    assert reader.get(ENTRIES).status_code == 429
    assert api(frank).get(ENTRIES).status_code == 200


# --- the secret -----------------------------------------------------------------------------


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(frozen_2026_11_12, api, alice):
    client = api(alice)
    made = make_token(client, scopes=["write", "read"])
    secret = made["token"]
    assert secret.startswith("tt_pat_") and len(secret) == 7 + 43
    assert made["prefix"] == secret[:15]
    assert made["scopes"] == ["read", "write"] and made["status"] == "active"

    listed = client.get(TOKENS)
    shown = client.get(f"{TOKENS}/{made['id']}")
    revoked = client.post(f"{TOKENS}/{made['id']}/revoke")

    for response in (listed, shown, revoked):
        assert response.status_code == 200
        assert secret not in response.content.decode() and secret[15:] not in response.content.decode()
    assert set(shown.json()) == {
        "id",
        "name",
        "prefix",
        "scopes",
        "status",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    }
    row = PersonalAccessToken.objects.values().get()
    assert all(secret[15:] not in str(value) for value in row.values())


def test_the_secret_is_in_no_audit_row_and_no_log_line(frozen_2026_11_12, api, alice, acme, caplog):
    caplog.set_level(logging.DEBUG)
    made = make_token(api(alice), scopes=["read"])
    secret = made["token"]
    reader = bearer(secret)
    reader.get(ENTRIES)
    reader.post(ENTRIES, {"project": acme.pk, **ENTRY})
    bearer(secret[:-1] + ("B" if secret[-1] != "B" else "C")).get(ENTRIES)  # a near miss
    api(alice).post(f"{TOKENS}/{made['id']}/revoke")
    reader.get(ENTRIES)

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"personal_token_created", "personal_token_revoked"} <= actions
    audit = json.dumps(list(AuditEvent.objects.values("target_repr", "data", "actor_label")), default=str)
    history = json.dumps(list(LogEntry.objects.values("changes", "object_repr")), default=str)
    assert made["prefix"] in audit and "revoked_by" in history  # the token has field history too
    digest = PersonalAccessToken.objects.get().hash
    for text in (audit, history, caplog.text):
        assert secret[15:] not in text and digest not in text


# --- scoping, revocation, last use ------------------------------------------------------------


def test_another_persons_token_is_404_and_each_lists_only_their_own(frozen_2026_11_12, api, alice, carol):
    alices = make_token(api(alice), "alice's")
    make_token(api(carol), "carol's")

    admin = api(carol)
    assert [token["name"] for token in admin.get(TOKENS).json()["results"]] == ["carol's"]
    assert admin.get(f"{TOKENS}/{alices['id']}").status_code == 404
    assert admin.delete(f"{TOKENS}/{alices['id']}").status_code == 404
    assert admin.post(f"{TOKENS}/{alices['id']}/revoke").status_code == 404
    assert PersonalAccessToken.objects.get(pk=alices["id"]).revoked_at is None


def test_revoking_keeps_the_row_listed_as_revoked_and_twice_is_once(frozen_2026_11_12, api, alice):
    client = api(alice)
    made = make_token(client)

    first = client.post(f"{TOKENS}/{made['id']}/revoke")
    again = client.delete(f"{TOKENS}/{made['id']}")

    assert first.json()["status"] == "revoked" and first.json()["revoked_at"] == "2026-11-12T14:00:00Z"
    assert again.status_code == 204
    assert [token["status"] for token in client.get(TOKENS).json()["results"]] == ["revoked"]
    assert AuditEvent.objects.filter(action="personal_token_revoked").count() == 1


def test_last_used_is_written_at_most_once_a_minute(frozen_2026_11_12, api, alice):
    client = api(alice)
    made = make_token(client)
    reader = bearer(made["token"])
    assert made["last_used_at"] is None

    def last_used():
        return client.get(f"{TOKENS}/{made['id']}").json()["last_used_at"]

    reader.get(ENTRIES)
    assert last_used() == "2026-11-12T14:00:00Z"
    frozen_2026_11_12.shift(timedelta(seconds=59))
    reader.get(ENTRIES)
    assert last_used() == "2026-11-12T14:00:00Z"
    frozen_2026_11_12.shift(timedelta(seconds=1))
    reader.get(ENTRIES)
    assert last_used() == "2026-11-12T14:01:00Z"


# --- the admin ----------------------------------------------------------------------------------


def test_admins_see_everyones_tokens_and_revoke_them_in_the_admin(frozen_2026_11_12, api, alice, dave, bob, carol):
    alices = make_token(api(alice), "alice's laptop")
    daves = make_token(api(dave), "dave's script")
    admin = Client()
    admin.force_login(carol)

    page = admin.get("/admin/users/personalaccesstoken/")
    assert page.status_code == 200
    assert "alice&#x27;s laptop" in page.content.decode() and "dave&#x27;s script" in page.content.decode()
    detail = admin.get(f"/admin/users/personalaccesstoken/{alices['id']}/change/").content.decode()
    assert PersonalAccessToken.objects.get(pk=alices["id"]).hash not in detail
    assert admin.get("/admin/users/personalaccesstoken/add/").status_code == 403

    response = admin.post(
        "/admin/users/personalaccesstoken/", {"action": "revoke_selected", "_selected_action": [alices["id"]]}
    )

    assert response.status_code == 302
    assert bearer(alices["token"]).get(ENTRIES).status_code == 401
    assert bearer(daves["token"]).get(ENTRIES).status_code == 200
    token = PersonalAccessToken.objects.get(pk=alices["id"])
    assert token.revoked_by == carol
    event = AuditEvent.objects.get(action="personal_token_revoked")
    assert (event.actor, event.subject) == (carol, alice)
    manager = Client()
    manager.force_login(bob)
    assert manager.get("/admin/users/personalaccesstoken/").status_code == 403


# --- the schema -----------------------------------------------------------------------------------


def test_the_schema_documents_the_tokens_and_their_security_scheme(anon):
    schema = anon.get("/api/v1/openapi.json").json()
    assert {"get", "post"} <= set(schema["paths"]["/api/v1/tokens"])
    assert "delete" in schema["paths"]["/api/v1/tokens/{id}"]
    assert "post" in schema["paths"]["/api/v1/tokens/{id}/revoke"]
    created = schema["paths"]["/api/v1/tokens"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/PersonalAccessTokenCreated")
    components = schema["components"]["schemas"]
    assert "token" in components["PersonalAccessTokenCreated"]["properties"]
    assert "token" not in components["PersonalAccessToken"]["properties"]
    scheme = schema["components"]["securitySchemes"]["personalAccessToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {"personalAccessToken": []} in schema["paths"]["/api/v1/time-entries"]["get"]["security"]


def test_a_too_long_expiry_and_an_unknown_time_zone_are_refused_in_german(frozen_2026_11_12, api, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])
    client = api(alice)

    too_long = client.post(TOKENS, {"name": "forever", "expires_at": "2027-11-12T14:00:01Z"})

    latest = "2027-11-12T14:00:00+00:00"
    assert too_long.json()["errors"] == {
        "expires_at": [f"Ein Token gilt höchstens 365 Tage: lassen Sie es spätestens {latest} ablaufen."]
    }
    me = client.patch(ME, {"timezone": "Mars/Olympus"}, format="json")
    assert me.status_code == 400
    assert me.json()["errors"] == {"timezone": ["„Mars/Olympus“ ist keine IANA-Zeitzone (zum Beispiel Europe/Berlin)."]}
