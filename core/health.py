"""Readiness checks for /health. Each dependency answers `ok`, `error: <reason>` or
`disabled`. Redis, the broker and Elasticsearch are asked at once in the process's helper
threads, bounded by HEALTH_TIMEOUT seconds; the database and its read replicas are asked on
the request's own connections meanwhile.

A probe every few seconds must not cost a new thread or connection each time: the helper
threads are the process's, made once; the database check uses Django's connection of the
serving thread (kept for CONN_MAX_AGE, dropped after an error, its connect bounded by the
`connect_timeout` option); Redis has one client per address for the process, whose pool keeps
its connection between probes, and a Redis broker at the cache's address is that same client
(one PING answers both). Any other broker keeps one connection for the process."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

import redis
from django.conf import settings
from django.db import connection

from core.replicas import replica_aliases, replica_state

HEALTH_TIMEOUT = 1.8
REDIS_TIMEOUT = 1  # seconds to connect, and to answer
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

_redis_clients: dict[str, redis.Redis] = {}
_redis_clients_lock = threading.Lock()
_broker_connections: dict = {}  # URL: the kept kombu Connection of a broker that is not Redis
_broker_lock = threading.Lock()


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _redis_client(url: str) -> redis.Redis:
    """The process's client for `url`, made once; a connection that failed is dropped by its
    pool, so the next check connects afresh."""
    with _redis_clients_lock:
        if url not in _redis_clients:
            _redis_clients[url] = redis.Redis.from_url(
                url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
            )
        return _redis_clients[url]


def _redis() -> str:
    if not settings.REDIS_URL:
        return "disabled"
    _redis_client(settings.REDIS_URL).ping()
    return "ok"


def _broker_enabled() -> bool:
    """Tasks run in-process when eager or on the memory transport: there is no broker to ask."""
    return not (settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"))


def _broker_is_the_cache_redis() -> bool:
    return bool(settings.REDIS_URL) and settings.CELERY_BROKER_URL == settings.REDIS_URL


def _broker() -> str:
    """Celery's broker. A Redis broker is pinged through the process's client for its address;
    another kind keeps one kombu connection, checked (and reconnected after a failure) each time."""
    if not _broker_enabled():
        return "disabled"
    url = settings.CELERY_BROKER_URL
    if url.startswith(REDIS_SCHEMES):
        _redis_client(url).ping()
        return "ok"
    from kombu import Connection

    with _broker_lock:
        broker = _broker_connections.get(url)
        if broker is None:
            broker = _broker_connections[url] = Connection(url, connect_timeout=1)
        try:
            broker.ensure_connection(max_retries=0, timeout=1)
        except Exception:
            broker.collect()  # dropped: the next check connects afresh
            raise
    return "ok"


def _elasticsearch() -> str:
    if not settings.ELASTICSEARCH_ENABLED:
        return "disabled"
    from elasticsearch import Elasticsearch

    client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=1, max_retries=0)
    try:
        client.info()
    finally:
        client.close()
    return "ok"


THREAD_CHECKS = {"redis": _redis, "broker": _broker, "elasticsearch": _elasticsearch}
# Room for a second probe's checks while a first one's still wait for their timeouts.
_checks_pool = ThreadPoolExecutor(max_workers=2 * len(THREAD_CHECKS), thread_name_prefix="health")


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"error: {text[:200]}"


def health_status() -> tuple[dict, bool]:
    """Run every check; healthy when the database, and Redis and the broker if configured, are ok.
    Elasticsearch is reported but optional: search falls back to the database. So are the read
    replicas (`replicas`: each alias's state): a replica down or lagging is read around."""
    checks = dict(THREAD_CHECKS)
    shared_broker = _broker_enabled() and _broker_is_the_cache_redis()
    if shared_broker:
        del checks["broker"]  # the Redis check's PING answers for it
    deadline = time.monotonic() + HEALTH_TIMEOUT
    futures = {name: _checks_pool.submit(check) for name, check in checks.items()}
    try:
        results = {"database": _database()}
    except Exception as error:  # Django drops the broken connection when the request ends
        results = {"database": _describe(error)}
    replicas = {alias: replica_state(alias)[1] for alias in replica_aliases()}
    wait(futures.values(), timeout=max(0, deadline - time.monotonic()))
    for name, future in futures.items():
        if not future.done():
            future.cancel()
            results[name] = "error: timed out"
        elif future.exception() is not None:
            results[name] = _describe(future.exception())
        else:
            results[name] = future.result()
    if shared_broker:
        results["broker"] = results["redis"]
    results["replicas"] = replicas
    healthy = results["database"] == "ok" and all(results[name] in {"ok", "disabled"} for name in ("redis", "broker"))
    return results, healthy
