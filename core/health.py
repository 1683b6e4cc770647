"""Readiness checks for /health. Each dependency answers `ok`, `error: <reason>` or
`disabled`; all run at once and the whole check is bounded by HEALTH_TIMEOUT seconds."""

from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import connections

HEALTH_TIMEOUT = 1.8


def _database() -> str:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    finally:
        connections.close_all()  # this runs in a pool thread: leave no connection behind


def _redis() -> str:
    if not settings.REDIS_URL:
        return "disabled"
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _broker() -> str:
    """Celery's broker: tasks run in-process when eager or on the memory transport."""
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
        return "disabled"
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as connection:
        connection.ensure_connection(max_retries=0, timeout=1)
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


CHECKS = {"database": _database, "redis": _redis, "broker": _broker, "elasticsearch": _elasticsearch}


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"error: {text[:200]}"


def health_status() -> tuple[dict[str, str], bool]:
    """Run every check; healthy when the database, and Redis and the broker if configured, are ok.
    Elasticsearch is reported but optional: search falls back to the database."""
    pool = ThreadPoolExecutor(max_workers=len(CHECKS))
    futures = {name: pool.submit(check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=HEALTH_TIMEOUT)
    pool.shutdown(wait=False, cancel_futures=True)
    results = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = "error: timed out"
        elif future.exception() is not None:
            results[name] = _describe(future.exception())
        else:
            results[name] = future.result()
    healthy = results["database"] == "ok" and all(results[name] in {"ok", "disabled"} for name in ("redis", "broker"))
    return results, healthy
