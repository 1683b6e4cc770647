from django.conf import settings
from rest_framework.throttling import BaseThrottle

from core.ratelimit import rate_limit_hit


class UserRateThrottle(BaseThrottle):
    """Per-user API limit (RATE_LIMIT_API_USER) counted atomically in the shared cache.

    DRF's own SimpleRateThrottle reads, appends and writes a list, which concurrent requests
    race past; this one increments a counter instead. Anonymous requests are limited by the
    auth views' own limits. While the cache is down it fails open: a warning is logged (by
    the cache's circuit breaker) and requests go through uncounted.
    """

    def allow_request(self, request, view):
        self._retry_after = None
        if not (request.user and request.user.is_authenticated):
            return True
        usage = rate_limit_hit(
            request, group="api-user", key=str(request.user.pk), rate=settings.RATE_LIMIT_API_USER, fail_open=True
        )
        if usage.limited:
            self._retry_after = usage.retry_after
            return False
        return True

    def wait(self):
        return self._retry_after
