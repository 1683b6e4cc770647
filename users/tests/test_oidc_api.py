"""`POST /api/v1/auth/oidc` against the real provider (users/tests/oidc_provider.py): a mobile
app signs in there with the code flow and PKCE, then trades the ID token for our JWT pair.
And: secrets stay out of logs, answers and the audit trail."""

import json
import logging
import threading

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from conftest import requires_postgres
from core.models import AuditEvent
from users.models import OidcIdentity, User
from users.tests.factories import PASSWORD
from users.tests.oidc_provider import CLIENT_SECRET
from users.tests.test_oidc_pages import sign_in

EXCHANGE = "/api/v1/auth/oidc"
ME = "/api/v1/users/me"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.mark.django_db
def test_a_mobile_apps_id_token_buys_a_jwt_pair_that_works(idp, anon, team_a):
    id_token = idp.mobile_sign_in()
    response = anon.post(EXCHANGE, {"id_token": id_token}, format="json")

    assert response.status_code == 200, response.json()
    assert set(response.json()) == {"access", "refresh"}
    me = bearer(response.json()["access"]).get(ME).json()
    assert (me["email"], me["role"], me["team"]) == ("nora.north@example.com", "manager", team_a.pk)
    refreshed = anon.post("/api/v1/auth/token/refresh", {"refresh": response.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    nora = User.objects.get(email="nora.north@example.com")
    assert AuditEvent.objects.get(action="login", actor=nora).data == {"method": "oidc"}

    # The same person signing in on the web is the same account.
    sign_in(Client())
    assert User.objects.filter(first_name="Nora").count() == 1 and OidcIdentity.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda idp: "not-a-jwt", id="garbage"),
        pytest.param(lambda idp: idp.mint_id_token(key=idp.foreign_key), id="signed-by-another-key"),
        pytest.param(lambda idp: idp.mint_id_token(exp=1_700_000_000, iat=1_699_990_000), id="expired"),
        pytest.param(lambda idp: idp.mint_id_token(audience="someone-elses-app"), id="for-another-client"),
        pytest.param(lambda idp: idp.mint_id_token(iss="https://evil.example"), id="another-issuer"),
        pytest.param(lambda idp: idp.mint_id_token(sub=None), id="without-subject"),
    ],
)
def test_a_bad_id_token_is_401_and_signs_nobody_in(idp, anon, forge):
    response = anon.post(EXCHANGE, {"id_token": forge(idp)}, format="json")

    assert response.status_code == 401, response.json()
    assert response.json()["code"] == "oidc_id_token_invalid"
    assert not User.objects.filter(email="nora.north@example.com").exists()
    assert AuditEvent.objects.get(action="login_failed").data["reason"] == "oidc_id_token_invalid"


@pytest.mark.django_db
def test_the_minted_token_is_accepted_so_the_forgeries_fail_for_their_flaw_alone(idp, anon):
    assert anon.post(EXCHANGE, {"id_token": idp.mint_id_token()}, format="json").status_code == 200


@pytest.mark.django_db
def test_discovery_and_keys_are_fetched_once_and_keys_again_when_the_provider_rotates_them(idp, anon):
    sign_in(Client())
    assert anon.post(EXCHANGE, {"id_token": idp.mobile_sign_in()}, format="json").status_code == 200
    assert sign_in(Client()).status_code == 302
    assert idp.paths.count("/.well-known/openid-configuration") == 1
    assert idp.paths.count("/jwks") == 1

    idp.rotate_key()
    assert anon.post(EXCHANGE, {"id_token": idp.mobile_sign_in()}, format="json").status_code == 200
    assert sign_in(Client()).status_code == 302
    assert idp.paths.count("/.well-known/openid-configuration") == 1
    assert idp.paths.count("/jwks") == 2  # learnt once, by the exchange, for the pages too


@pytest.mark.django_db
def test_a_deactivated_or_unverified_match_is_refused_over_the_api_too(idp, anon, alice, dave):
    idp.user.update(email="alice@example.com", email_verified=False)
    unverified = anon.post(EXCHANGE, {"id_token": idp.mobile_sign_in()}, format="json")
    assert (unverified.status_code, unverified.json()["code"]) == (401, "oidc_email_unverified")

    dave.is_active = False
    dave.save()
    idp.user.update(email="dave@example.com", email_verified=True)
    inactive = anon.post(EXCHANGE, {"id_token": idp.mobile_sign_in()}, format="json")
    assert (inactive.status_code, inactive.json()["code"]) == (401, "user_inactive")


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_one_persons_first_sign_in_from_two_devices_at_once_makes_one_account_on_postgres(idp):
    tokens = [idp.mobile_sign_in() for _ in range(4)]
    barrier = threading.Barrier(len(tokens))
    results = []

    def exchange(id_token):
        barrier.wait()
        try:
            results.append(APIClient().post(EXCHANGE, {"id_token": id_token}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=exchange, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 4
    assert User.objects.filter(email="nora.north@example.com").count() == 1
    assert OidcIdentity.objects.count() == 1


@pytest.mark.django_db
def test_without_single_sign_on_the_exchange_says_it_is_off(anon, settings):
    settings.OIDC_ENABLED = False
    response = anon.post(EXCHANGE, {"id_token": "anything"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "sso_disabled")


@pytest.mark.django_db
def test_an_empty_body_names_the_field(idp, anon):
    response = anon.post(EXCHANGE, {}, format="json")
    assert response.status_code == 400 and "id_token" in response.json()["errors"]


@pytest.mark.django_db
def test_oidc_only_closes_password_tokens_and_sign_up_but_not_for_break_glass_admins(idp, anon, settings, alice, carol):
    settings.OIDC_ONLY = True
    settings.OIDC_BREAK_GLASS_EMAILS = ["carol@example.com"]
    token = "/api/v1/auth/token"
    assert anon.post(token, {"email": "alice@example.com", "password": PASSWORD}, format="json").status_code == 401
    assert anon.post(token, {"email": "carol@example.com", "password": PASSWORD}, format="json").status_code == 200
    signup = anon.post("/api/v1/auth/register", {"email": "new@example.com", "password": "a-long-pass-phrase"})
    assert signup.status_code == 403
    assert anon.post(EXCHANGE, {"id_token": idp.mobile_sign_in()}, format="json").status_code == 200


@pytest.mark.django_db
def test_secrets_stay_out_of_logs_answers_and_the_audit_trail(idp, anon, alice, caplog):
    caplog.set_level(logging.DEBUG)
    idp.user.update(email="alice@example.com")
    browser = Client()
    assert sign_in(browser).status_code == 302  # links alice
    idp.user.update(sub="idp-new-person", email="new.person@example.com")
    pair = anon.post(EXCHANGE, {"id_token": idp.mobile_sign_in()}, format="json").json()  # makes a person
    idp.misbehave = "foreign_key"
    assert sign_in(Client()).status_code == 403  # a refusal is logged too

    secrets = [CLIENT_SECRET, *idp.issued, pair["access"], pair["refresh"]]
    assert len(idp.issued) == 6  # three sign-ins, an ID and an access token each
    logged = caplog.text
    assert [secret for secret in secrets if secret in logged] == []
    assert "code_verifier" not in logged
    trail = json.dumps(list(AuditEvent.objects.values("data", "target_repr"))) + json.dumps(
        list(LogEntry.objects.values_list("changes", flat=True))
    )
    assert [secret for secret in secrets if secret in trail] == []
    profile = bearer(pair["access"]).get(ME).content.decode()
    assert [secret for secret in secrets if secret in profile] == []
    assert LogEntry.objects.filter(content_type__model="oidcidentity").count() == 2


def test_the_schema_documents_the_exchange(anon):
    schema = anon.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/auth/oidc"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/OidcTokenInputRequest")
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/TokenPair")
    assert "id_token" in schema["components"]["schemas"]["OidcTokenInputRequest"]["properties"]
