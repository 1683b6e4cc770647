"""Single sign-on on the pages, end to end against the real provider of users/tests/oidc_provider.py:
the browser's hops to the provider are made with `requests`, the ones to us with the test client."""

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.test import Client

from core.models import AuditEvent
from users.models import OidcIdentity, User
from users.tests.factories import PASSWORD

LOGIN = "/accounts/login/"
SSO_START = "/accounts/oidc/login/"


def at_provider(client: Client, next_url: str = "") -> str:
    """Press "Sign in with …" and let the provider sign the person in: the URL it sends the
    browser back to (our callback, with its code and state)."""
    start = client.get(SSO_START, {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def back_from_provider(client: Client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(parts.path, dict(parse_qsl(parts.query)))


def sign_in(client: Client, next_url: str = ""):
    return back_from_provider(client, at_provider(client, next_url))


def signed_in_email(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).email if user_id else None


@pytest.mark.django_db
def test_first_sign_in_makes_the_person_with_the_mapped_role_and_team(idp, team_a):
    browser = Client()
    response = sign_in(browser, next_url="/leave/")

    assert response.status_code == 302 and response["Location"] == "/leave/"
    nora = User.objects.get(email="nora.north@example.com")
    assert (nora.role, nora.team, nora.first_name, nora.last_name) == ("manager", team_a, "Nora", "North")
    assert nora.timezone == "Europe/Berlin" and not nora.has_usable_password()
    assert nora.contracts.count() == 1
    assert signed_in_email(browser) == "nora.north@example.com"
    assert browser.get("/timesheet/").status_code == 200
    # The provider saw PKCE (S256), a state and a nonce.
    asked = idp.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and asked["state"] and asked["nonce"]
    login = AuditEvent.objects.get(action="login", actor=nora)
    assert login.data == {"method": "oidc"}
    assert AuditEvent.objects.get(action="user_registered", actor=nora).data == {
        "method": "oidc",
        "role": "manager",
        "team": "Team A",
    }

    # Later sign-ins find her by the provider's subject, even under a new address.
    idp.user["email"] = "nora@new-domain.example"
    sign_in(Client())
    assert User.objects.filter(first_name="Nora").count() == 1
    assert OidcIdentity.objects.get(user=nora).subject == "idp-nora-0001"
    assert AuditEvent.objects.filter(action="login", actor=nora).count() == 2


@pytest.mark.django_db
def test_unmapped_claims_make_an_employee_without_a_team(idp):
    idp.user.update(groups="staff", department="sales")
    sign_in(Client())
    nora = User.objects.get(email="nora.north@example.com")
    assert (nora.role, nora.team) == ("employee", None)


@pytest.mark.django_db
def test_a_verified_email_links_the_existing_account(idp, alice):
    idp.user.update(email="ALICE@example.com", groups=["tt-admins"])
    browser = Client()
    assert sign_in(browser).status_code == 302

    assert signed_in_email(browser) == "alice@example.com"
    alice.refresh_from_db()
    assert alice.role == "employee"  # claims map the role of new people only
    assert OidcIdentity.objects.get(subject="idp-nora-0001").user == alice
    assert AuditEvent.objects.filter(action="oidc_linked", actor=alice).count() == 1
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("verified", [False, "false", None])
def test_an_unverified_email_never_links_an_account(idp, alice, verified):
    idp.user.update(email="alice@example.com", email_verified=verified)
    browser = Client()
    response = sign_in(browser)

    assert response.status_code == 403
    assert "has not verified that the address is yours" in response.content.decode()
    assert signed_in_email(browser) is None
    assert not OidcIdentity.objects.exists()
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.data == {"method": "oidc", "reason": "oidc_email_unverified", "email": "alice@example.com"}


@pytest.mark.django_db
def test_a_deactivated_person_is_refused(idp, alice):
    idp.user.update(email="alice@example.com")
    sign_in(Client())  # linked while active
    alice.is_active = False
    alice.save()

    browser = Client()
    response = sign_in(browser)
    assert response.status_code == 403 and "This account is deactivated." in response.content.decode()
    assert signed_in_email(browser) is None


@pytest.mark.django_db
def test_a_callback_with_a_state_this_browser_did_not_start_is_refused(idp):
    browser = Client()
    parts = urlsplit(at_provider(browser))
    query = dict(parse_qsl(parts.query))

    forged = back_from_provider(browser, f"{parts.path}?code={query['code']}&state=forged-state")
    assert forged.status_code == 403
    assert "not started here or was already used" in forged.content.decode()
    # Another browser cannot finish this browser's sign-in (login CSRF) ...
    assert back_from_provider(Client(), f"{parts.path}?{parts.query}").status_code == 403
    assert signed_in_email(browser) is None
    assert not User.objects.filter(email="nora.north@example.com").exists()
    reasons = list(AuditEvent.objects.filter(action="login_failed").values_list("data__reason", flat=True))
    assert reasons == ["oidc_state_invalid", "oidc_state_invalid"]


@pytest.mark.django_db
def test_a_used_state_cannot_be_replayed(idp):
    browser = Client()
    callback = at_provider(browser)
    assert back_from_provider(browser, callback).status_code == 302
    browser.post("/accounts/logout/")
    assert back_from_provider(browser, callback).status_code == 403


@pytest.mark.django_db
def test_a_refused_code_or_a_refusal_at_the_provider_is_a_page_with_the_reason(idp):
    browser = Client()
    parts = urlsplit(at_provider(browser))
    query = dict(parse_qsl(parts.query))
    wrong_code = back_from_provider(browser, f"{parts.path}?code=not-the-code&state={query['state']}")
    assert wrong_code.status_code == 403
    assert "The provider refused the sign-in: invalid_grant." in wrong_code.content.decode()

    parts = urlsplit(at_provider(browser))
    state = dict(parse_qsl(parts.query))["state"]
    denied = back_from_provider(browser, f"{parts.path}?error=access_denied&state={state}")
    assert denied.status_code == 403
    assert "The provider refused the sign-in: access_denied." in denied.content.decode()
    assert signed_in_email(browser) is None


@pytest.mark.django_db
@pytest.mark.parametrize("email", [None, "", "not an address"])
def test_a_first_sign_in_without_a_usable_email_is_refused(idp, email):
    idp.user["email"] = email
    response = sign_in(Client())
    assert response.status_code == 403
    assert "The provider sent no usable email address." in response.content.decode()
    assert not OidcIdentity.objects.exists() and not User.objects.filter(first_name="Nora").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("misbehaviour", "reason"),
    [("wrong_nonce", "invalid_claim"), ("expired", "expired_token"), ("foreign_key", "bad_signature")],
)
def test_an_id_token_with_a_wrong_nonce_expired_or_signed_by_another_key_is_refused(idp, misbehaviour, reason):
    idp.misbehave = misbehaviour
    browser = Client()
    response = sign_in(browser)

    assert response.status_code == 403
    assert f"The ID token was refused: {reason}." in response.content.decode()
    assert signed_in_email(browser) is None
    assert not User.objects.filter(email="nora.north@example.com").exists()
    assert AuditEvent.objects.get(action="login_failed").data["reason"] == "oidc_id_token_invalid"


@pytest.mark.django_db
def test_the_button_shows_only_when_single_sign_on_is_configured(idp, settings):
    page = Client().get(LOGIN, {"next": "/leave/"}).content.decode()
    assert 'href="/accounts/oidc/login/?next=/leave/"' in page and "Sign in with Example ID" in page
    assert 'name="password"' in page

    settings.OIDC_ENABLED = False
    page = Client().get(LOGIN).content.decode()
    assert "Sign in with" not in page and 'name="password"' in page
    assert Client().get(SSO_START).status_code == 404
    assert Client().get("/accounts/oidc/callback/?code=x&state=y").status_code == 404


@pytest.mark.django_db
def test_oidc_only_keeps_passwords_for_break_glass_admins(idp, settings, alice, carol):
    settings.OIDC_ONLY = True
    settings.OIDC_BREAK_GLASS_EMAILS = ["carol@example.com", "alice@example.com"]
    page = Client().get(LOGIN).content.decode()
    assert "Sign in with Example ID" in page and 'name="password"' not in page
    local = Client().get(LOGIN, {"local": "1"}).content.decode()
    assert 'name="password"' in local and 'action="/accounts/login/?local=1"' in local

    employee = Client()
    refused = employee.post(f"{LOGIN}?local=1", {"email": "alice@example.com", "password": PASSWORD})
    assert refused.status_code == 200 and signed_in_email(employee) is None  # listed, but not an admin

    admin = Client()
    assert admin.post(f"{LOGIN}?local=1", {"email": "carol@example.com", "password": PASSWORD}).status_code == 302
    assert signed_in_email(admin) == "carol@example.com"

    settings.OIDC_BREAK_GLASS_EMAILS = []
    assert Client().post("/admin/login/", {"username": "carol@example.com", "password": PASSWORD}).status_code == 200


@pytest.mark.django_db
def test_an_unreachable_provider_is_a_503_page_not_a_500(idp, settings):
    idp.stop()
    response = Client().get(SSO_START)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "cannot be reached" in response.content.decode()
    idp.start(redirect_uri="http://testserver/accounts/oidc/callback/")  # for the fixture's stop()
