"""Fixed-window rate limits on the shared cache (Redis when configured).

A limit is a counter per key and fixed window (django-ratelimit's windows and cache keys) in
the shared cache. It is counted with `cache.incr` first, which Redis does atomically, and
only a window's first hit, finding no counter, creates it with `cache.add` (also atomic; one
that loses the race to another process increments the winner's counter). So a burst of
concurrent requests cannot slip past the limit, and a request costs one round trip to Redis
instead of django-ratelimit's two (`add`, then `incr`). Every limit in the project (auth
views and the API throttle) goes through `rate_limit_hit`.

When the cache is down a limit cannot count. Limits that guard credentials (sign-in,
registration, the calendar feed's secret) fail closed with 503 and Retry-After; callers that
only shed load pass `fail_open=True` (the per-user API throttle, token refresh and logout,
whose tokens cannot be guessed) and let the request through. Counting resumes by itself
when the cache is back (see `core.cache`).
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate

from core.cache import CacheUnavailable, cache_call
from core.errors import DomainError, ServiceUnavailable


class RateLimited(DomainError):
    status_code = 429
    code = "throttled"

    def __init__(self, retry_after: int):
        super().__init__(_("Too many requests. Try again in %(seconds)s seconds.") % {"seconds": retry_after})
        self.retry_after = retry_after


@dataclass(frozen=True)
class Usage:
    limited: bool
    retry_after: int


def _count(*, group: str, key: str, rate: str) -> Usage:
    """One more hit on `key`'s counter in the current window of `rate`."""
    limit, period = _split_rate(rate)
    window = _get_window(key, period)
    cache = caches[settings.RATELIMIT_USE_CACHE]
    cache_key = _make_cache_key(group, window, rate, key, "")
    try:
        count = cache.incr(cache_key)
    except ValueError:  # no counter yet: this window's first hit creates it
        # The key names its window, so it outlives the window's hits (period + fudge seconds).
        count = 1 if cache.add(cache_key, 1, period + EXPIRATION_FUDGE) else cache.incr(cache_key)
    return Usage(limited=count > limit, retry_after=max(1, window - int(time.time())))


def rate_limit_hit(request, *, group: str, key: str, rate: str, fail_open: bool = False) -> Usage:
    """Count one request for `key` in `group` and tell whether it is over `rate`. While the
    cache is down: not limited if `fail_open`, else ServiceUnavailable."""
    if not settings.RATELIMIT_ENABLE:
        return Usage(limited=False, retry_after=0)
    try:
        return cache_call(_count, group=group, key=key, rate=rate)
    except CacheUnavailable as down:
        if fail_open:
            return Usage(limited=False, retry_after=0)
        raise ServiceUnavailable(
            _(
                "Attempts cannot be counted right now, so this is refused for a moment. "
                "Try again in %(seconds)s seconds."
            )
            % {"seconds": down.retry_after},
            retry_after=down.retry_after,
        ) from down


def rate_limit_enforce(request, *limits: tuple[str, str, str], fail_open: bool = False) -> None:
    """Count every (group, key, rate) and raise RateLimited if any is over its limit
    (ServiceUnavailable while the cache is down, unless `fail_open`)."""
    retry_after = 0
    for group, key, rate in limits:
        usage = rate_limit_hit(request, group=group, key=key, rate=rate, fail_open=fail_open)
        if usage.limited:
            retry_after = max(retry_after, usage.retry_after)
    if retry_after:
        raise RateLimited(retry_after)
