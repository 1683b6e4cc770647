"""Fixtures the tests of core and core/hardening share."""

import shutil

import pytest

from core.tests.processes import RedisServer


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of the test's own, on a free port, stopped afterwards: one the test may
    cut off or watch without touching the shared one."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
