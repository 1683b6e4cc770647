"""/health is probed every few seconds by load balancers and orchestrators: a probe reuses
the process's database and Redis connections instead of opening new ones each time."""

import shutil

import pytest
import redis
from django.db.backends.signals import connection_created

from core.tests.processes import RedisServer

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


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


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
