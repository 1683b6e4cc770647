"""/health is probed every few seconds by load balancers and orchestrators: a probe reuses
the process's helper threads and its database, Redis and broker connections instead of
opening new ones each time. It reports the read replicas too, without depending on them."""

import threading
from copy import deepcopy

import pytest
import redis
from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created

from conftest import requires_postgres

pytestmark = pytest.mark.django_db


def test_probes_open_no_new_database_connection(anon):
    assert anon.get("/health").json()["database"] == "ok"  # the serving thread's connection is open now
    opened = []

    def record(sender, connection, **kwargs):
        opened.append(connection.alias)

    connection_created.connect(record)
    try:
        for _ in range(3):
            assert anon.get("/health").json()["database"] == "ok"
    finally:
        connection_created.disconnect(record)
    assert opened == []


def _connections_received(observer: redis.Redis) -> int:
    """Connections the server accepted since it started (the observer's own among them)."""
    return observer.info("stats")["total_connections_received"]


def test_probes_share_one_redis_connection_and_reconnect_after_an_outage(anon, settings, own_redis):
    settings.REDIS_URL = own_redis.url
    observer = redis.Redis(port=own_redis.port)
    before = _connections_received(observer)

    for _ in range(4):
        assert anon.get("/health").json()["redis"] == "ok"
    assert _connections_received(observer) - before == 1

    own_redis.stop()
    down = anon.get("/health")
    assert down.status_code == 503 and down.json()["redis"].startswith("error: ")
    own_redis.start()
    assert anon.get("/health").json()["redis"] == "ok"


def test_probes_start_no_thread_after_the_first(anon, monkeypatch):
    assert anon.get("/health").status_code == 200
    started = []
    original = threading.Thread.start

    def start(thread):
        started.append(thread.name)
        original(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    for _ in range(4):
        assert anon.get("/health").status_code == 200
    assert started == []


def _broker_on(settings, url: str) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = url


def test_a_broker_at_the_cache_redis_address_is_the_same_connection(anon, settings, own_redis):
    settings.REDIS_URL = own_redis.url
    _broker_on(settings, own_redis.url)
    observer = redis.Redis(port=own_redis.port)
    before = _connections_received(observer)

    for _ in range(4):
        body = anon.get("/health").json()
        assert body["redis"] == "ok" and body["broker"] == "ok"
    assert _connections_received(observer) - before == 1

    own_redis.stop()
    down = anon.get("/health")
    assert down.status_code == 503 and down.json()["broker"].startswith("error: ")


def test_a_broker_at_another_redis_address_keeps_one_connection(anon, settings, own_redis):
    settings.REDIS_URL = own_redis.url
    _broker_on(settings, f"redis://127.0.0.1:{own_redis.port}/1")
    observer = redis.Redis(port=own_redis.port)
    before = _connections_received(observer)

    for _ in range(4):
        assert anon.get("/health").json()["broker"] == "ok"
    assert _connections_received(observer) - before == 2  # the cache's and the broker's, once each


REPLICA, UNREACHABLE = "health_replica", "health_unreachable"


def _replica_alias(host: str, port) -> dict:
    """A read replica alias as settings.py makes one, a test mirror of the test database."""
    database = deepcopy(connections.settings["default"])
    database.update({"HOST": host, "PORT": port})
    database["TEST"] = {**database["TEST"], "MIRROR": "default", "NAME": None}
    return database


# Known before the test databases are set up, so that the tests below may name them: the test
# database itself under a second alias (not in recovery, so never behind), and an address
# where nothing listens.
if settings.DATABASE_IS_POSTGRES:
    connections.settings[REPLICA] = _replica_alias(
        connections.settings["default"]["HOST"], connections.settings["default"]["PORT"]
    )
    connections.settings[UNREACHABLE] = _replica_alias("127.0.0.1", 1)


@requires_postgres
@pytest.mark.django_db(
    transaction=True, databases=["default", REPLICA, UNREACHABLE] if settings.DATABASE_IS_POSTGRES else ["default"]
)
def test_replicas_are_reported_and_a_down_one_leaves_the_app_healthy(anon, settings):
    settings.DATABASE_REPLICAS = [REPLICA, UNREACHABLE]
    settings.REPLICA_CHECK_SECONDS = 0  # measured on every probe
    try:
        response = anon.get("/health")
    finally:
        connections[REPLICA].close()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["replicas"][REPLICA] == "ok"
    assert body["replicas"][UNREACHABLE].startswith("error: ")


def test_without_replicas_the_report_lists_none(anon, settings):
    settings.DATABASE_REPLICAS = []
    assert anon.get("/health").json()["replicas"] == {}
