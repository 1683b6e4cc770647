"""Fixed-window rate limits on the shared cache (Redis when configured).

django-ratelimit counts with `cache.add` + `cache.incr`, which Redis does atomically, so a
burst of concurrent requests cannot slip past the limit. Every limit in the project (auth
views and the API throttle) goes through `rate_limit_hit`.

When the cache is down a limit cannot count. Limits that guard credentials (sign-in,
registration, the calendar feed's secret) fail closed with 503 and Retry-After; callers that
only shed load pass `fail_open=True` (the per-user API throttle, token refresh and logout,
whose tokens cannot be guessed) and let the request through. Counting resumes by itself
when the cache is back (see `core.cache`).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

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


def rate_limit_hit(request, *, group: str, key: str, rate: str, fail_open: bool = False) -> Usage:
    """Count one request for `key` in `group` and tell whether it is over `rate`. While the
    cache is down: not limited if `fail_open`, else ServiceUnavailable."""
    try:
        usage = cache_call(get_usage, request, group=group, key=lambda _group, _request: key, rate=rate, increment=True)
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
    if usage is None:  # rate limiting disabled
        return Usage(limited=False, retry_after=0)
    return Usage(limited=usage["should_limit"], retry_after=max(1, int(usage["time_left"])))


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
