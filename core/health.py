"""Readiness checks for /health. Each dependency answers `ok`, `error: <reason>` or
`disabled`. Redis, the broker and Elasticsearch are asked at once in helper threads, bounded
by HEALTH_TIMEOUT seconds; the database is asked on the request's own connection meanwhile.

A probe every few seconds must not cost a new connection each time: the database check uses
Django's connection of the serving thread (kept for CONN_MAX_AGE, dropped after an error,
its connect bounded by the `connect_timeout` option), and Redis one client per address for
the process, whose pool keeps its connection between probes."""

import threading
from concurrent.futures import ThreadPoolExecutor, wait

import redis
from django.conf import settings
from django.db import connection

HEALTH_TIMEOUT = 1.8
REDIS_TIMEOUT = 1  # seconds to connect, and to answer

_redis_clients: dict[str, redis.Redis] = {}
_redis_clients_lock = threading.Lock()


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


def _broker() -> str:
    """Celery's broker: tasks run in-process when eager or on the memory transport."""
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
        return "disabled"
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as broker:
        broker.ensure_connection(max_retries=0, timeout=1)
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


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"error: {text[:200]}"


def health_status() -> tuple[dict[str, str], bool]:
    """Run every check; healthy when the database, and Redis and the broker if configured, are ok.
    Elasticsearch is reported but optional: search falls back to the database."""
    pool = ThreadPoolExecutor(max_workers=len(THREAD_CHECKS))
    futures = {name: pool.submit(check) for name, check in THREAD_CHECKS.items()}
    try:
        results = {"database": _database()}
    except Exception as error:  # Django drops the broken connection when the request ends
        results = {"database": _describe(error)}
    wait(futures.values(), timeout=HEALTH_TIMEOUT)
    pool.shutdown(wait=False, cancel_futures=True)
    for name, future in futures.items():
        if not future.done():
            results[name] = "error: timed out"
        elif future.exception() is not None:
            results[name] = _describe(future.exception())
        else:
            results[name] = future.result()
    healthy = results["database"] == "ok" and all(results[name] in {"ok", "disabled"} for name in ("redis", "broker"))
    return results, healthy
