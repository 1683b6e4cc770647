"""Sessions read from Redis with the database behind them (core/sessions.py): ending one ends
it for every web process, also around a Redis outage, and a session outlives no password."""

import time
from copy import deepcopy

import pytest
from django.test import Client

from core.tests.hardening.test_outage import TcpProxy

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"


@pytest.fixture
def redis_behind_a_proxy(settings, own_redis):
    """Sessions and the cache on a Redis reached through a proxy the test can cut (a network
    partition: Redis keeps its data)."""
    proxy = TcpProxy(("127.0.0.1", own_redis.port))
    proxy.open()
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{proxy.port}/0",
            "KEY_PREFIX": "tt-session-test",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    settings.SESSION_ENGINE = "core.sessions"
    settings.REDIS_CIRCUIT_SECONDS = 0.3
    yield proxy
    proxy.close()


def same_session(client: Client) -> Client:
    """Another client with `client`'s session cookie: the same browser's next request, served
    by another web process."""
    other = Client()
    other.cookies = deepcopy(client.cookies)  # its own copy: the sign-out below clears `client`'s
    return other


def test_signing_out_ends_the_session_for_every_process(redis_behind_a_proxy, client, alice):
    client.force_login(alice)
    elsewhere = same_session(client)
    assert elsewhere.get(ME).status_code == 200  # read once: now in Redis

    assert client.post("/accounts/logout/").status_code == 302
    assert elsewhere.get(ME).status_code == 401


def test_sessions_are_read_from_the_database_while_redis_is_unreachable(redis_behind_a_proxy, client, alice):
    client.force_login(alice)
    redis_behind_a_proxy.close()
    assert client.get(ME).status_code == 200
    assert client.get("/timesheet/").status_code == 200


def test_a_sign_out_redis_cannot_record_is_refused_and_the_session_never_comes_back(
    redis_behind_a_proxy, settings, client, alice
):
    client.force_login(alice)
    elsewhere = same_session(client)
    assert elsewhere.get(ME).status_code == 200  # in Redis, which keeps it through the partition

    redis_behind_a_proxy.close()
    refused = client.post("/accounts/logout/")
    assert refused.status_code == 503 and int(refused["Retry-After"]) >= 1
    assert elsewhere.get(ME).status_code == 200  # not half signed out: still signed in everywhere

    redis_behind_a_proxy.open()
    time.sleep(settings.REDIS_CIRCUIT_SECONDS + 0.2)  # the breaker lets the next call try Redis again
    assert elsewhere.get(ME).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert elsewhere.get(ME).status_code == 401


def test_a_password_change_ends_the_other_sessions(redis_behind_a_proxy, client, alice, password):
    client.force_login(alice)
    other_browser = Client()
    other_browser.force_login(alice)
    assert other_browser.get(ME).status_code == 200  # in Redis

    changed = client.post(
        f"{ME}/password", {"old_password": password, "new_password": "a-new-long-pass-phrase"}, "application/json"
    )
    assert changed.status_code == 204
    assert other_browser.get(ME).status_code == 401


def test_a_session_reads_back_from_redis_what_the_database_would_give(redis_behind_a_proxy, client, alice):
    """A page's message can be a `core.texts.Day` (a str that remembers its date): the session
    keeps it as the session serializer writes it, so the next request reads a plain string, as
    from the database, instead of unpickling an object that cannot be rebuilt from its text."""
    from datetime import date

    from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

    from core.sessions import SessionStore
    from core.texts import Day

    session = SessionStore()
    session["note"] = Day(date(2026, 11, 11))
    session.save()
    from_redis = SessionStore(session.session_key).load()
    from_database = DatabaseSessionStore(session.session_key).load()
    assert from_redis == from_database == {"note": "Wed 11 Nov"}
    assert type(from_redis["note"]) is str
