import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from conftest import requires_postgres, requires_redis

BASE_DIR = Path(__file__).resolve().parents[2]
TOKEN = "/api/v1/auth/token"
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k3J9-vQ2#xLm8@Rt5pZc!Wy7^Hn4&Ds6*Fb1(Gq0)Ue3%Ta9+Yo2=Vi5_Nr8~Mw",
    "ALLOWED_HOSTS": "timetracker.example.com",
}


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_check_deploy_is_clean():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("secret", ["", "django-insecure-development-only-key-change-me"])
def test_production_refuses_a_missing_or_default_secret_key(secret):
    result = run_manage("check", env_overrides={**PRODUCTION_ENV, "SECRET_KEY": secret})
    assert result.returncode != 0
    assert "SECRET_KEY is missing or is the development default" in result.stderr


@pytest.mark.django_db
def test_security_headers_on_api_pages_and_errors(api, alice, anon):
    for response in (anon.get("/"), anon.get("/health"), api(alice).get("/api/v1/users/me"), anon.get("/nope")):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp


@pytest.mark.django_db
def test_cors_allows_only_configured_origins(anon, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    allowed = anon.options(
        "/api/v1/auth/token", HTTP_ORIGIN="https://app.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    denied = anon.options(
        "/api/v1/auth/token", HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in denied


def test_cors_origins_accept_comma_and_json_lists():
    from config.settings import _origins

    assert _origins("https://a.example.com, https://b.example.com/") == [
        "https://a.example.com",
        "https://b.example.com",
    ]
    assert _origins('["https://a.example.com"]') == ["https://a.example.com"]


@pytest.mark.django_db
def test_login_is_limited_per_ip_and_email_with_retry_after(anon, alice):
    statuses = [anon.post(TOKEN, {"email": alice.email, "password": "wrong"}).status_code for _ in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    limited = anon.post(TOKEN, {"email": alice.email, "password": "wrong"})
    assert limited.json()["code"] == "throttled"
    assert 1 <= int(limited["Retry-After"]) <= 60


@pytest.mark.django_db
def test_spoofed_forwarded_for_does_not_reset_the_limit(anon, alice):
    statuses = [
        anon.post(TOKEN, {"email": alice.email, "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(8)
    ]
    assert statuses.count(401) == 5 and statuses.count(429) == 3


@pytest.mark.django_db
def test_trusted_proxy_count_uses_the_proxys_view_of_the_client(anon, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    first = [
        anon.post(TOKEN, {"email": alice.email, "password": "wrong"}, HTTP_X_FORWARDED_FOR="spoof, 203.0.113.7")
        for _ in range(5)
    ]
    assert all(r.status_code == 401 for r in first)
    # Another client behind the same proxy is not limited by the first one's attempts.
    other = anon.post(TOKEN, {"email": alice.email, "password": "wrong"}, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 401


@pytest.mark.django_db
def test_login_per_ip_limit_covers_many_emails(anon, settings):
    statuses = [anon.post(TOKEN, {"email": f"p{n}@example.com", "password": "x"}).status_code for n in range(22)]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429]


@pytest.mark.django_db
def test_register_is_limited_per_ip(anon, settings):
    settings.RATE_LIMIT_REGISTER = "2/h"
    bodies = [{"email": f"r{n}@example.com", "password": "a-long-pass-phrase"} for n in range(3)]
    assert [anon.post("/api/v1/auth/register", body).status_code for body in bodies] == [201, 201, 429]


@pytest.mark.django_db
def test_authenticated_api_is_limited_per_user(api, alice, bob, settings):
    settings.RATE_LIMIT_API_USER = "3/h"
    client = api(alice)
    assert [client.get("/api/v1/users/me").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "Retry-After" in client.get("/api/v1/users/me")
    assert api(bob).get("/api/v1/users/me").status_code == 200


@requires_redis
@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_wrong_logins_on_redis_let_at_most_five_through(alice):
    barrier = threading.Barrier(30)
    statuses = []

    def attempt(n):
        barrier.wait()
        try:
            response = APIClient().post(
                TOKEN, {"email": alice.email, "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 30
    assert statuses.count(401) <= 5
    assert statuses.count(401) + statuses.count(429) == 30
