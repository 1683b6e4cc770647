import base64
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from conftest import requires_postgres
from users.models import User

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"


def login(client, email, password):
    return client.post(TOKEN, {"email": email, "password": password}, format="json")


@pytest.mark.django_db
def test_register_token_refresh_logout_story(anon):
    created = anon.post(REGISTER, {"email": "New.Person@Example.com", "password": "a-long-pass-phrase"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["email"] == "new.person@example.com"
    assert created.json()["role"] == "employee" and created.json()["team"] is None

    tokens = login(anon, "NEW.person@example.com", "a-long-pass-phrase").json()
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.get(ME).json()["email"] == "new.person@example.com"

    rotated = anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}

    new_refresh = rotated.json()["refresh"]
    assert anon.post(LOGOUT, {"refresh": new_refresh}, format="json").status_code == 204
    assert anon.post(REFRESH, {"refresh": new_refresh}, format="json").status_code == 401
    reused = anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_register_ignores_mass_assigned_privileges(anon, team_a):
    response = anon.post(
        REGISTER,
        {
            "email": "sneaky@example.com",
            "password": "a-long-pass-phrase",
            "role": "admin",
            "team": team_a.pk,
            "is_active": False,
            "is_staff": True,
            "is_superuser": True,
        },
        format="json",
    )
    assert response.status_code == 201
    user = User.objects.get(email="sneaky@example.com")
    assert (user.role, user.team, user.is_active, user.is_staff, user.is_superuser) == (
        "employee",
        None,
        True,
        False,
        False,
    )


@pytest.mark.django_db
def test_register_rejects_duplicate_email_case_insensitively(anon, alice):
    response = anon.post(REGISTER, {"email": "ALICE@example.com", "password": "a-long-pass-phrase"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


@pytest.mark.django_db
def test_register_applies_password_validators(anon):
    response = anon.post(REGISTER, {"email": "weak@example.com", "password": "12345678"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["errors"]
    assert not User.objects.filter(email="weak@example.com").exists()


@pytest.mark.django_db
def test_register_rejects_bad_timezone_naming_the_field(anon):
    response = anon.post(
        REGISTER,
        {"email": "tz@example.com", "password": "a-long-pass-phrase", "timezone": "Mars/Olympus"},
        format="json",
    )
    assert response.status_code == 400
    assert "timezone" in response.json()["errors"]


@pytest.mark.django_db
def test_registration_can_be_closed(anon, settings):
    settings.ALLOW_REGISTRATION = False
    response = anon.post(REGISTER, {"email": "x@example.com", "password": "a-long-pass-phrase"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "registration_closed"


@pytest.mark.django_db
def test_wrong_password_is_401_in_the_error_shape(anon, alice):
    response = login(anon, alice.email, "wrong")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.django_db
def test_password_change_revokes_every_refresh_token(anon, alice, password):
    first = login(anon, alice.email, password).json()
    second = login(anon, alice.email, password).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access']}")

    wrong = client.post(
        ME + "/password", {"old_password": "nope", "new_password": "another-long-phrase"}, format="json"
    )
    assert wrong.status_code == 400 and "old_password" in wrong.json()["errors"]

    changed = client.post(
        ME + "/password", {"old_password": password, "new_password": "another-long-phrase"}, format="json"
    )
    assert changed.status_code == 204
    for pair in (first, second):
        assert anon.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert login(anon, alice.email, "another-long-phrase").status_code == 200


@pytest.mark.django_db
def test_deactivation_revokes_access_and_refresh_at_once(anon, alice, carol, api, password):
    tokens = login(anon, alice.email, password).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get(ME).status_code == 200

    assert api(carol).post(f"/api/v1/users/{alice.pk}/deactivate").status_code == 200

    assert client.get(ME).status_code == 401
    assert anon.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert login(anon, alice.email, password).status_code == 401


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.django_db
def test_bad_tokens_are_401(alice):
    good = str(AccessToken.for_user(alice))
    header, payload, signature = good.split(".")
    expired = AccessToken.for_user(alice)
    expired.set_exp(lifetime=-timedelta(minutes=1))
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    tampered_claims = dict(claims, user_id=str(alice.pk + 1000))
    forged = AccessToken.for_user(alice)
    forged_token = str(forged).rsplit(".", 1)[0] + "." + _b64({"sig": "x"})
    candidates = {
        "expired": str(expired),
        "tampered": f"{header}.{_b64(tampered_claims)}.{signature}",
        "wrong signature": forged_token,
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "garbage": "not-a-token",
    }
    for name, token in candidates.items():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.get(ME)
        assert response.status_code == 401, name
        assert "detail" in response.json() and "code" in response.json(), name


@pytest.mark.django_db
def test_access_token_is_not_a_refresh_token(anon, alice):
    response = anon.post(REFRESH, {"refresh": str(AccessToken.for_user(alice))}, format="json")
    assert response.status_code == 401


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refresh_of_one_token_succeeds_once_on_postgres(alice):
    refresh = str(RefreshToken.for_user(alice))
    results = []
    barrier = threading.Barrier(8)

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


@pytest.mark.django_db
def test_a_person_who_signs_up_has_this_years_leave_at_once(anon, frozen_2026_03_02, vacation):
    """Issue 15: sign-up sends `person_employed` like an admin's create, so the year's
    allowance is booked at once (from 2 March the waiting period ends within the year: the
    statutory 20 in full, the extra 5 x 9 full months/12 = 3.75 -> 4 (BUrlG §5(2)): 24 days)."""
    created = anon.post(REGISTER, {"email": "new@example.com", "password": "a-long-pass-phrase"}, format="json")
    assert created.status_code == 201, created.json()
    tokens = login(anon, "new@example.com", "a-long-pass-phrase").json()
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    balances = me.get("/api/v1/leave/balances").json()

    row = next(row for row in balances["balances"] if row["type"] == vacation.pk)
    assert row["left"] == "24.00", row
