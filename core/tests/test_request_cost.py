"""The fixed cost of an authenticated API request (issue 21, bench b): what a request asks of
Redis and the database around its view's own work. Counted on the client side, so no MONITOR
and no other process's commands are needed."""

from contextlib import contextmanager

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import requires_redis

pytestmark = pytest.mark.django_db


@contextmanager
def redis_commands_sent():
    """The names of the Redis commands sent inside, in order (pipelines not included)."""
    sent: list[str] = []
    original = redis.Redis.execute_command

    def counted(self, *args, **options):
        sent.append(str(args[0]).upper())
        return original(self, *args, **options)

    redis.Redis.execute_command = counted
    try:
        yield sent
    finally:
        redis.Redis.execute_command = original


@requires_redis
def test_the_per_user_throttle_costs_one_redis_round_trip_a_request(api, alice, settings):
    settings.RATE_LIMIT_API_USER = "3/d"  # a day's window: the test cannot straddle two of them
    client = api(alice)  # a JWT: no session to read
    assert client.get("/api/v1/users/me").status_code == 200  # the window's first hit creates the counter

    with redis_commands_sent() as sent:
        assert client.get("/api/v1/users/me").status_code == 200
    assert sent == ["EVAL"]  # an atomic increment of the existing counter, nothing else

    # Still counted, shared and enforced: the fourth request of the window is refused.
    assert [client.get("/api/v1/users/me").status_code for _ in range(2)] == [200, 429]


@requires_redis
def test_a_signed_in_request_reads_its_session_from_redis_not_the_database(client, alice):
    client.force_login(alice)
    assert client.get("/api/v1/users/me").status_code == 200

    with CaptureQueriesContext(connection) as queries, redis_commands_sent() as sent:
        assert client.get("/api/v1/users/me").status_code == 200
    assert not [query["sql"] for query in queries.captured_queries if "django_session" in query["sql"]]
    assert sent == ["MGET", "EVAL"]  # the session (and whether it ended), the throttle
