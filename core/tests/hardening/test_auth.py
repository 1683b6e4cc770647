"""Issue 12, stream "auth": the admin login's rate limit (item 1), tokens that die with the
session (item 5) and the registration limit (item 6)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import requires_postgres
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
REGISTER = "/api/v1/auth/register"
ME = "/api/v1/users/me"


def admin_login(client, email, password):
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": "/admin/"})


def api_login(email, password):
    return APIClient().post(TOKEN, {"email": email, "password": password}, format="json")


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- item 1: the admin login shares the API's and the pages' login limit --------------------


@pytest.fixture
def one_rate_window(time_machine):
    """The limits count in fixed windows (a minute for logins): a slow run crossing a window's
    end would start a fresh count half-way through a test, so the clock stands still."""
    time_machine.move_to(timezone.now(), tick=False)


def test_item01_admin_login_is_rate_limited_per_ip_and_email(one_rate_window, bob, password):
    client = Client()
    wrong = [admin_login(client, bob.email, "wrong") for _ in range(7)]
    assert [response.status_code for response in wrong] == [200] * 5 + [429] * 2
    assert 1 <= int(wrong[-1]["Retry-After"]) <= 60
    assert "Too many" in wrong[-1].content.decode()

    right = admin_login(client, bob.email, password)
    assert right.status_code == 429
    assert not signed_in(client)
    # Every wrong password left the same audit event as a failed API or page login.
    assert AuditEvent.objects.filter(action="login_failed", data__email=bob.email).count() == 5


def test_item01_admin_login_still_signs_staff_in(bob, password):
    client = Client()
    response = admin_login(client, bob.email, password)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert signed_in(client)
    assert client.get("/admin/").status_code == 200


def test_item01_admin_failures_count_toward_the_api_login_limit_and_back(one_rate_window, alice, bob, password):
    for _ in range(5):
        admin_login(Client(), bob.email, "wrong")
    assert api_login(bob.email, password).status_code == 429

    for _ in range(5):
        assert api_login(alice.email, "wrong").status_code == 401
    assert admin_login(Client(), alice.email, password).status_code == 429


def test_item01_admin_login_per_ip_limit_covers_many_emails(one_rate_window, alice, password):
    for n in range(20):
        assert admin_login(Client(), f"p{n}@example.com", "x").status_code == 200
    assert admin_login(Client(), alice.email, password).status_code == 429
    assert api_login(alice.email, password).status_code == 429
    page = Client().post("/accounts/login/", {"email": alice.email, "password": password})
    assert page.status_code == 429


# --- item 5: tokens die with the session ----------------------------------------------------


def test_item05_logout_kills_the_access_token_of_that_session_only(alice, password):
    laptop, phone = api_login(alice.email, password).json(), api_login(alice.email, password).json()
    assert bearer(laptop["access"]).get(ME).status_code == 200

    assert APIClient().post(LOGOUT, {"refresh": laptop["refresh"]}, format="json").status_code == 204

    assert bearer(laptop["access"]).get(ME).status_code == 401
    assert bearer(phone["access"]).get(ME).status_code == 200
    assert APIClient().post(REFRESH, {"refresh": phone["refresh"]}, format="json").status_code == 200


def test_item05_password_change_kills_every_access_token(alice, password):
    laptop, phone = api_login(alice.email, password).json(), api_login(alice.email, password).json()
    changed = bearer(laptop["access"]).post(
        ME + "/password", {"old_password": password, "new_password": "another-long-phrase"}, format="json"
    )
    assert changed.status_code == 204
    for pair in (laptop, phone):
        response = bearer(pair["access"]).get(ME)
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
    fresh = api_login(alice.email, "another-long-phrase").json()
    assert bearer(fresh["access"]).get(ME).status_code == 200


def test_item05_reactivation_does_not_bring_old_tokens_back(alice, carol, api, password):
    old = api_login(alice.email, password).json()
    admin = api(carol)
    assert admin.post(f"/api/v1/users/{alice.pk}/deactivate").status_code == 200
    assert bearer(old["access"]).get(ME).status_code == 401
    assert admin.post(f"/api/v1/users/{alice.pk}/activate").status_code == 200

    assert bearer(old["access"]).get(ME).status_code == 401
    assert APIClient().post(REFRESH, {"refresh": old["refresh"]}, format="json").status_code == 401
    fresh = api_login(alice.email, password).json()
    assert bearer(fresh["access"]).get(ME).status_code == 200


def test_item05_reusing_a_rotated_refresh_token_revokes_its_family(alice, password):
    first = api_login(alice.email, password).json()
    other_device = api_login(alice.email, password).json()
    rotated = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json").json()
    assert bearer(rotated["access"]).get(ME).status_code == 200

    reused = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401 and reused.json()["code"] == "token_not_valid"

    assert APIClient().post(REFRESH, {"refresh": rotated["refresh"]}, format="json").status_code == 401
    assert bearer(rotated["access"]).get(ME).status_code == 401
    assert bearer(first["access"]).get(ME).status_code == 401
    # Another login is another family: the theft of one session does not end the others.
    assert bearer(other_device["access"]).get(ME).status_code == 200
    assert AuditEvent.objects.filter(action="token_reuse_detected", subject=alice).count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_item05_concurrent_refreshes_of_one_session_token_let_one_through_on_postgres(alice, password):
    """The family row lock must not let two through, nor let the losers' reuse verdict
    refuse the one that won the blacklist insert."""
    refresh = api_login(alice.email, password).json()["refresh"]
    results, barrier = [], threading.Barrier(8)

    def use_it():
        barrier.wait()
        try:
            results.append(APIClient().post(REFRESH, {"refresh": refresh}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=use_it) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [401] * 7


def test_item05_checking_the_session_costs_no_extra_query(alice, api, password):
    """The generation and the session are checked against the user row the authentication
    loads anyway: a stamped token costs as many queries as an unstamped one."""
    stamped = bearer(api_login(alice.email, password).json()["access"])
    unstamped = api(alice)  # a bare simplejwt token: no generation, no session claim
    counts = []
    for client in (unstamped, stamped):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ME).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- item 6: registration stays behind its per-IP limit, which counts every attempt ---------


def test_item06_register_limit_counts_failed_attempts_too(one_rate_window, anon, alice, settings):
    settings.RATE_LIMIT_REGISTER = "3/h"
    duplicate = anon.post(REGISTER, {"email": alice.email, "password": "a-long-pass-phrase"}, format="json")
    assert duplicate.status_code == 400 and "email" in duplicate.json()["errors"]
    assert anon.post(REGISTER, {"email": "x@example.com", "password": "short"}, format="json").status_code == 400
    assert anon.post(REGISTER, {"email": "not-an-email"}, format="json").status_code == 400

    probe = anon.post(REGISTER, {"email": "bob@example.com", "password": "a-long-pass-phrase"}, format="json")
    assert probe.status_code == 429 and probe.json()["code"] == "throttled"
    fresh = anon.post(REGISTER, {"email": "new@example.com", "password": "a-long-pass-phrase"}, format="json")
    assert fresh.status_code == 429
