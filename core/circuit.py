"""Circuit breakers for the services a request can live without (Redis, Elasticsearch).

After a failure the breaker opens: callers skip the service and take their fallback at once
for `seconds`, instead of every request waiting for the same timeout. Then one call tries
again; success closes it. The state is per process, on purpose: it must work while the
shared cache is the thing that is down.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(self, name: str):
        self.name = name
        self._lock = threading.Lock()
        self._open_until = 0.0

    def allows(self) -> bool:
        """True when the service may be tried: closed, or open long enough to try again."""
        return time.monotonic() >= self._open_until

    def retry_after(self) -> int:
        """Whole seconds until the service is tried again (at least 1)."""
        return max(1, round(self._open_until - time.monotonic() + 0.5))

    def failed(self, error: BaseException, *, seconds: float, fallback: str) -> None:
        with self._lock:
            self._open_until = time.monotonic() + seconds
        logger.warning(
            "%s unavailable (%s: %s); %s for the next %g s", self.name, type(error).__name__, error, fallback, seconds
        )

    def succeeded(self) -> None:
        if self._open_until:
            with self._lock:
                self._open_until = 0.0
            logger.info("%s is back", self.name)


_breakers: dict[str, CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker(service: str, url: str) -> CircuitBreaker:
    """The process's breaker for `service` at `url` (named without any password in it)."""
    parts = urlsplit(url)
    name = f"{service} at {parts.hostname}:{parts.port}{parts.path}" if parts.hostname else service
    with _registry_lock:
        return _breakers.setdefault(name, CircuitBreaker(name))


def reset_all() -> None:
    """Close every breaker (tests that took a service down put the process back as it was)."""
    with _registry_lock:
        _breakers.clear()
