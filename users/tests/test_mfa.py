"""Two-factor sign-in (issue 19): an authenticator app (TOTP) with ten recovery codes, for the
pages, the admin and the API's password login; managers and admins can be required to enrol.

The clock stands at Thursday 12 November 2026, 14:00 UTC and moves on by whole TOTP steps
(30 s): an app code is accepted once, so each sign-in uses the next step's code.
"""

import base64
import logging
import re
import threading
from urllib.parse import quote

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from conftest import requires_postgres
from core.models import AuditEvent
from users.models import User

pytestmark = pytest.mark.django_db

LOGIN, CODE = "/accounts/login/", "/accounts/login/code/"
TWO_FACTOR, REMOVE = "/accounts/two-factor/", "/accounts/two-factor/remove/"
TEAM, ADMIN, ADMIN_LOGIN = "/timesheet/team/", "/admin/", "/admin/login/"
TOKEN, ME, TOKENS = "/api/v1/auth/token", "/api/v1/users/me", "/api/v1/tokens"
STEP = 30  # seconds: one TOTP time step


def code_for(key: bytes) -> str:
    """The app's code for the current (frozen) moment, as an authenticator app computes it."""
    return f"{totp(key):06d}"


def wrong_code_for(key: bytes) -> str:
    return f"{(totp(key) + 1) % 1_000_000:06d}"


def page_sign_in(email: str, password: str, next_url: str = "") -> Client:
    client = Client()
    response = client.post(LOGIN, {"email": email, "password": password, "next": next_url})
    assert response.status_code == 302, response.content
    return client


def enrol(client: Client) -> tuple[bytes, list[str], str]:
    """Enrol through the page: read the key typed into an app, confirm with its code. Returns
    the key, the recovery codes shown once and the page that showed them."""
    page = client.get(TWO_FACTOR)
    assert page.status_code == 200
    typed = re.search(r'data-testid="mfa-secret">([A-Z2-7 ]+)<', page.content.decode()).group(1)
    key = base64.b32decode(typed.replace(" ", "") + "=" * (-len(typed.replace(" ", "")) % 8))
    shown = client.post(TWO_FACTOR, {"otp": code_for(key)})
    assert shown.status_code == 200, shown.content
    html = shown.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", html)
    return key, codes, html


@pytest.fixture
def managers_and_admins_must_enrol(settings):
    settings.MFA_REQUIRED_ROLES = ["admin", "manager"]


@pytest.fixture
def bob_enrolled(frozen_2026_11_12, bob, password):
    """Bob has turned two-factor sign-in on; the clock has moved to the next step."""
    key, codes, _ = enrol(page_sign_in(bob.email, password))
    frozen_2026_11_12.shift(STEP)
    return key, codes


# --- acceptance 2 ------------------------------------------------------------------------------


def test_acceptance2_a_manager_required_to_enrol_reaches_only_the_enrolment_page_then_signs_in_everywhere(
    managers_and_admins_must_enrol, frozen_2026_11_12, bob, password
):
    client = page_sign_in(bob.email, password)
    team = client.get(TEAM)
    assert (team.status_code, team["Location"]) == (302, f"{TWO_FACTOR}?next={quote(TEAM, safe='')}")
    admin = client.get(ADMIN)
    assert (admin.status_code, admin["Location"]) == (302, f"{TWO_FACTOR}?next={quote(ADMIN, safe='')}")
    assert client.get(ME).json() == {
        "detail": "Your role requires two-factor sign-in: set it up at /accounts/two-factor/ "
        "(signed in with your password).",
        "code": "mfa_enrolment_required",
    }
    refused = APIClient().post(TOKEN, {"email": bob.email, "password": password})
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_enrolment_required")

    key, codes, _ = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(TEAM).status_code == 200  # the enrolling session has just passed a code

    # Pages: password, then the code step, then the team page.
    frozen_2026_11_12.shift(STEP)
    pages = page_sign_in(bob.email, password, next_url=TEAM)
    asked = pages.get(TEAM)
    assert asked["Location"] == f"{CODE}?next={quote(TEAM, safe='')}"
    assert pages.get(asked["Location"]).status_code == 200
    passed = pages.post(CODE, {"otp": code_for(key), "next": TEAM})
    assert (passed.status_code, passed["Location"]) == (302, TEAM)
    assert pages.get(TEAM).status_code == 200

    # The admin: its own password form, then the same code step.
    frozen_2026_11_12.shift(STEP)
    admin_client = Client()
    signed = admin_client.post(ADMIN_LOGIN, {"username": bob.email, "password": password, "next": ADMIN})
    assert (signed.status_code, signed["Location"]) == (302, ADMIN)
    assert admin_client.get(ADMIN)["Location"] == f"{CODE}?next={quote(ADMIN, safe='')}"
    assert admin_client.post(CODE, {"otp": code_for(key), "next": ADMIN})["Location"] == ADMIN
    assert admin_client.get(ADMIN).status_code == 200

    # The API: the password answers mfa_required, the same body with the code the tokens.
    frozen_2026_11_12.shift(STEP)
    first = APIClient().post(TOKEN, {"email": bob.email, "password": password})
    assert (first.status_code, first.json()) == (200, {"mfa_required": True})
    second = APIClient().post(TOKEN, {"email": bob.email, "password": password, "otp": code_for(key)})
    assert second.status_code == 200 and set(second.json()) == {"access", "refresh"}
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {second.json()['access']}")
    assert api.get(ME).status_code == 200


def test_acceptance2_a_wrong_code_is_refused_and_after_five_tries_rate_limited(
    frozen_2026_11_12, settings, bob_enrolled, bob, password
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off has a test of its own
    settings.RATE_LIMIT_LOGIN_PER_EMAIL = "50/m"  # each try is a password attempt too: that limit has its tests
    key, _ = bob_enrolled
    frozen_2026_11_12.shift(300)  # a fresh 5-minute window: the enrolment's code counted too
    body = {"email": bob.email, "password": password}
    wrong = [APIClient().post(TOKEN, {**body, "otp": wrong_code_for(key)}) for _ in range(5)]
    assert [response.status_code for response in wrong] == [401] * 5
    assert wrong[0].json() == {
        "detail": "The code is wrong or has expired.",
        "code": "mfa_invalid",
        "errors": {"otp": ["The code is wrong or has expired."]},
    }

    limited = APIClient().post(TOKEN, {**body, "otp": code_for(key)})  # even the right code
    assert limited.status_code == 429 and limited.json()["code"] == "throttled"
    assert 1 <= int(limited["Retry-After"]) <= 300
    # The page's code step counts against the same limit.
    page = page_sign_in(bob.email, password).post(CODE, {"otp": code_for(key)})
    assert page.status_code == 429 and "Too many requests" in page.content.decode()
    failed = AuditEvent.objects.filter(action="mfa_failed")
    assert [(event.actor, event.data) for event in failed] == [(bob, {"via": "api", "kind": "totp"})] * 5

    frozen_2026_11_12.shift(300)  # the next window
    assert APIClient().post(TOKEN, {**body, "otp": code_for(key)}).status_code == 200


def test_codes_are_limited_per_address_too_across_people(
    frozen_2026_11_12, settings, bob_enrolled, bob, erin, password
):
    erin_key, _, _ = enrol(page_sign_in(erin.email, password))
    frozen_2026_11_12.shift(300)  # a fresh window for both limits
    settings.RATE_LIMIT_MFA_PER_IP = "3/5m"
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's back-off is per device; not the point here
    bob_key, _ = bob_enrolled
    for _ in range(3):
        wrong = APIClient().post(TOKEN, {"email": bob.email, "password": password, "otp": wrong_code_for(bob_key)})
        assert wrong.status_code == 401
    erins = APIClient().post(TOKEN, {"email": erin.email, "password": password, "otp": code_for(erin_key)})
    assert erins.status_code == 429


def test_after_a_wrong_code_django_otps_back_off_answers_429_until_it_has_passed(
    frozen_2026_11_12, bob_enrolled, bob, password
):
    key, _ = bob_enrolled
    client = page_sign_in(bob.email, password)
    wrong = client.post(CODE, {"otp": wrong_code_for(key)})
    assert wrong.status_code == 200 and "The code is wrong or has expired." in wrong.content.decode()
    at_once = client.post(CODE, {"otp": code_for(key)})
    assert (at_once.status_code, at_once["Retry-After"]) == (429, "1")

    frozen_2026_11_12.shift(1)
    assert client.post(CODE, {"otp": code_for(key)}).status_code == 302
    assert client.get(TEAM).status_code == 200


def test_an_app_code_works_once(frozen_2026_11_12, bob_enrolled, bob, password):
    key, _ = bob_enrolled
    code = code_for(key)
    assert APIClient().post(TOKEN, {"email": bob.email, "password": password, "otp": code}).status_code == 200
    again = APIClient().post(TOKEN, {"email": bob.email, "password": password, "otp": code})
    assert again.status_code == 401


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_one_app_code_sent_twice_at_once_gives_tokens_once_on_postgres(frozen_2026_11_12, bob_enrolled, bob, password):
    """The device row is locked while a code is checked, so its last used step cannot be read
    by two requests before either writes it."""
    key, _ = bob_enrolled
    body = {"email": bob.email, "password": password, "otp": code_for(key)}
    results, barrier = [], threading.Barrier(2)

    def sign_in():
        barrier.wait()
        try:
            results.append(APIClient().post(TOKEN, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_in) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 401]


# --- recovery codes ----------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once_on_the_page_and_over_the_api(frozen_2026_11_12, bob_enrolled, bob, password):
    _, codes = bob_enrolled
    client = page_sign_in(bob.email, password)
    used = client.post(CODE, {"recovery_code": codes[0].upper(), "next": TEAM})
    assert (used.status_code, used["Location"]) == (302, TEAM)
    assert client.get(TEAM).status_code == 200

    frozen_2026_11_12.shift(10)  # past django-otp's back-off of any failure below
    again = page_sign_in(bob.email, password).post(CODE, {"recovery_code": codes[0]})
    assert again.status_code == 200 and "The code is wrong or has expired." in again.content.decode()
    frozen_2026_11_12.shift(10)
    api = APIClient().post(TOKEN, {"email": bob.email, "password": password, "otp": codes[1]})
    assert api.status_code == 200 and "access" in api.json()
    assert StaticToken.objects.filter(device__user=bob).count() == 8


# --- removal and the admin's reset -------------------------------------------------------------


def signed_in_with_code(email: str, password: str, key: bytes) -> Client:
    client = page_sign_in(email, password)
    assert client.post(CODE, {"otp": code_for(key)}).status_code == 302
    return client


def test_removal_needs_a_current_code_and_is_audited(frozen_2026_11_12, bob_enrolled, bob, password):
    key, _ = bob_enrolled
    client = signed_in_with_code(bob.email, password, key)
    status = client.get(TWO_FACTOR)
    assert 'data-testid="codes-left">Recovery codes left: 10.' in status.content.decode()
    assert client.get(ME).json()["mfa_enabled"] is True
    assert client.patch(ME, {"mfa_enabled": False}, content_type="application/json").json()["mfa_enabled"] is True

    frozen_2026_11_12.shift(STEP)
    refused = client.post(REMOVE, {"code": wrong_code_for(key)})
    assert refused.status_code == 200 and "The code is wrong or has expired." in refused.content.decode()
    frozen_2026_11_12.shift(STEP)
    assert client.post(REMOVE, {"code": code_for(key)})["Location"] == TWO_FACTOR

    bob.refresh_from_db()
    assert not bob.mfa_enabled and not TOTPDevice.objects.filter(user=bob).exists()
    assert AuditEvent.objects.filter(action="mfa_removed", actor=bob, subject=bob).count() == 1
    plain = APIClient().post(TOKEN, {"email": bob.email, "password": password})
    assert set(plain.json()) == {"access", "refresh"}


def test_an_admin_resets_a_lost_factor_in_the_admin_and_it_is_audited(
    frozen_2026_11_12, managers_and_admins_must_enrol, bob_enrolled, bob, carol, password
):
    carol_client = Client()
    carol_client.force_login(carol)
    # Carol is an admin, so she must enrol before she reaches the admin herself.
    assert carol_client.get(ADMIN)["Location"].startswith(TWO_FACTOR)
    enrol(carol_client)
    changelist = carol_client.get("/admin/users/user/")
    assert changelist.status_code == 200
    reset = carol_client.post(
        "/admin/users/user/", {"action": "reset_two_factor", "_selected_action": [bob.pk]}, follow=True
    )
    assert "two-factor sign-in reset." in reset.content.decode()

    bob.refresh_from_db()
    assert not bob.mfa_enabled
    event = AuditEvent.objects.get(action="mfa_reset_by_admin")
    assert (event.actor, event.subject, event.data) == (carol, bob, {"was_enabled": True})
    # Bob's role requires a second factor: he is sent to enrol again.
    assert page_sign_in(bob.email, password).get(TEAM)["Location"].startswith(TWO_FACTOR)


def test_the_device_admins_of_django_otp_are_not_on_the_site(carol):
    client = Client()
    client.force_login(carol)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


# --- the API ------------------------------------------------------------------------------------


def test_api_credentials_of_a_role_that_must_enrol_are_refused_until_it_has(
    frozen_2026_11_12, settings, api, bob, password
):
    old_pair = APIClient().post(TOKEN, {"email": bob.email, "password": password}).json()
    made = api(bob).post(TOKENS, {"name": "export script"}).json()
    settings.MFA_REQUIRED_ROLES = ["manager"]

    for credential in (old_pair["access"], made["token"]):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {credential}")
        refused = client.get(ME)
        assert (refused.status_code, refused.json()["code"]) == (403, "mfa_enrolment_required")

    enrol(page_sign_in(bob.email, password))
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Bearer {made['token']}")
    assert script.get(ME).status_code == 200  # personal tokens stay the way for scripts


def test_a_session_that_has_not_passed_the_code_step_gets_403_from_the_api(bob_enrolled, bob, password):
    client = page_sign_in(bob.email, password)
    refused = client.get(ME)
    assert (refused.status_code, refused.json()["code"]) == (403, "mfa_required")


def test_enrolling_is_optional_for_roles_not_required_and_their_pages_keep_the_navigation(
    managers_and_admins_must_enrol, frozen_2026_11_12, alice, password
):
    client = page_sign_in(alice.email, password)
    assert client.get("/timesheet/").status_code == 200
    page = client.get(TWO_FACTOR).content.decode()
    assert 'aria-label="Main"' in page and "Your role requires" not in page
    enrol(client)
    assert User.objects.get(pk=alice.pk).mfa_enabled
    assert AuditEvent.objects.get(action="mfa_enrolled").data == {"device": "totp", "recovery_codes": 10}


def test_people_without_a_second_factor_sign_in_as_before(managers_and_admins_must_enrol, alice, password):
    pair = APIClient().post(TOKEN, {"email": alice.email, "password": password, "otp": "123456"})
    assert pair.status_code == 200 and set(pair.json()) == {"access", "refresh"}
    client = page_sign_in(alice.email, password, next_url="/timesheet/")
    assert client.get("/timesheet/").status_code == 200
    assert not User.objects.get(pk=alice.pk).mfa_enabled


def test_the_password_comes_first_a_wrong_one_says_nothing_about_the_second_factor(bob_enrolled, bob):
    refused = APIClient().post(TOKEN, {"email": bob.email, "password": "wrong"})
    assert refused.status_code == 401 and "mfa_required" not in refused.content.decode()


def test_the_schema_documents_the_second_step_of_the_token_login(anon):
    schema = anon.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "otp" in components["TokenObtainRequest"]["properties"]
    answer = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"]["$ref"].endswith("/TokenObtainResult")
    assert {"$ref": "#/components/schemas/MfaRequired"} in components["TokenObtainResult"]["oneOf"]


# --- acceptance 5: secrets ------------------------------------------------------------------------


def test_acceptance5_the_key_and_codes_are_in_no_log_no_later_answer_and_no_audit_row(
    frozen_2026_11_12, caplog, bob, password
):
    caplog.set_level(logging.DEBUG)
    client = page_sign_in(bob.email, password)
    key, codes, shown = enrol(client)
    assert all(code in shown for code in codes)  # shown this once
    device = TOTPDevice.objects.get(user=bob)
    secrets = [device.key, base64.b32encode(key).decode().rstrip("="), *codes]

    frozen_2026_11_12.shift(STEP)
    later = [
        client.get(TWO_FACTOR),
        client.get(ME),
        APIClient().post(TOKEN, {"email": bob.email, "password": password}),
        APIClient().post(TOKEN, {"email": bob.email, "password": password, "otp": codes[2]}),
        APIClient().post(TOKEN, {"email": bob.email, "password": password, "otp": "wrong-code"}),
    ]
    frozen_2026_11_12.shift(STEP)
    later.append(client.post(REMOVE, {"code": code_for(key)}))

    audit = [repr((event.data, event.target_repr)) for event in AuditEvent.objects.all()]
    history = [repr(entry.changes) for entry in LogEntry.objects.all()]
    logs = caplog.text + repr([record.args for record in caplog.records])
    for secret in secrets:
        assert not any(secret in response.content.decode() for response in later), secret
        assert not any(secret in row for row in audit + history), secret
        assert secret not in logs
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"mfa_enrolled", "mfa_failed", "mfa_removed"} <= actions
