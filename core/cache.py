"""The shared cache (Redis when configured) may be down; each use decides what that means.

Rate limits that guard sign-in fail closed (503 with Retry-After), the API throttle fails
open, cached reads are computed afresh and cache bumps are skipped. Every cache call whose
failure must not become a 500 goes through `cache_call`, which also keeps a circuit
breaker: after one failure the cache is skipped for REDIS_CIRCUIT_SECONDS, so a Redis that
hangs costs one timeout, not one per request.
"""

from django.conf import settings
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.circuit import CircuitBreaker, breaker

CACHE_DOWN_ERRORS = (ConnectionInterrupted, RedisConnectionError, RedisTimeoutError)
FALLBACK = "sign-in limits answer 503, the API throttle lets requests through, cached reads are computed"


class CacheUnavailable(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"the cache is unavailable; try again in {retry_after} s")
        self.retry_after = retry_after


def cache_breaker() -> CircuitBreaker:
    return breaker("Redis cache", str(settings.CACHES["default"].get("LOCATION", "")))


def cache_call(function, *args, **kwargs):
    """`function(*args, **kwargs)`, a cache operation; CacheUnavailable while the cache is down."""
    circuit = cache_breaker()
    if not circuit.allows():
        raise CacheUnavailable(circuit.retry_after())
    try:
        result = function(*args, **kwargs)
    except CACHE_DOWN_ERRORS as error:
        circuit.failed(error, seconds=settings.REDIS_CIRCUIT_SECONDS, fallback=FALLBACK)
        raise CacheUnavailable(circuit.retry_after()) from error
    circuit.succeeded()
    return result
