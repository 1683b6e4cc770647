"""Fixed-window rate limits on the shared cache (Redis when configured).

django-ratelimit counts with `cache.add` + `cache.incr`, which Redis does atomically, so a
burst of concurrent requests cannot slip past the limit. Every limit in the project (auth
views and the API throttle) goes through `rate_limit_hit`.
"""

from dataclasses import dataclass

from django_ratelimit.core import get_usage

from core.errors import DomainError


class RateLimited(DomainError):
    status_code = 429
    code = "throttled"

    def __init__(self, retry_after: int):
        super().__init__(f"Too many requests. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Usage:
    limited: bool
    retry_after: int


def rate_limit_hit(request, *, group: str, key: str, rate: str) -> Usage:
    """Count one request for `key` in `group` and tell whether it is over `rate`."""
    usage = get_usage(request, group=group, key=lambda _group, _request: key, rate=rate, increment=True)
    if usage is None:  # rate limiting disabled
        return Usage(limited=False, retry_after=0)
    return Usage(limited=usage["should_limit"], retry_after=max(1, int(usage["time_left"])))


def rate_limit_enforce(request, *limits: tuple[str, str, str]) -> None:
    """Count every (group, key, rate) and raise RateLimited if any is over its limit."""
    retry_after = 0
    for group, key, rate in limits:
        usage = rate_limit_hit(request, group=group, key=key, rate=rate)
        if usage.limited:
            retry_after = max(retry_after, usage.retry_after)
    if retry_after:
        raise RateLimited(retry_after)
