"""Read replicas: which database a piece of read-only work reads from.

Reports, exports, dashboard widgets, the search's database fallback and the audit list read
a lot and write nothing. Inside `replica_reads()` their queries go to a streaming replica
(`DATABASE_REPLICA_URLS`, aliases in settings.DATABASE_REPLICAS); every other read and every
write goes to the primary (`core.db_router.ReplicaRouter`). A replica is used only where that
cannot show someone a wrong answer:

- never inside a transaction on the primary: it would miss that transaction's own writes;
- never for a person who wrote in the last REPLICA_READ_YOUR_WRITES_SECONDS (read your own
  writes): `NoteWritesMiddleware` notes each successful write request in the shared cache;
- only a replica that answers and is at most REPLICA_MAX_LAG_SECONDS behind the primary,
  measured at most every REPLICA_CHECK_SECONDS per process; among those, one at random.

Whatever is in doubt (the cache down, a replica unreachable or lagging) reads the primary.
"""

import logging
import math
import random
import threading
import time
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

from core.cache import CacheUnavailable, cache_call

logger = logging.getLogger(__name__)

WROTE_KEY = "replicas:wrote:{user_id}"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

# The alias the current read-only scope reads from (the primary's when it chose none); None
# outside any scope.
_scope_alias: ContextVar[str | None] = ContextVar("replica_scope_alias", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


def read_alias() -> str:
    """The database a read goes to now: the scope's replica, else the primary. Raw SQL that
    may run in a scope opens its cursor on `connections[read_alias()]`."""
    alias = _scope_alias.get()
    if alias is None or alias == DEFAULT_DB_ALIAS or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return alias


def reading_replica() -> bool:
    """True when reads now go to a replica (and so may be up to REPLICA_MAX_LAG_SECONDS old)."""
    return read_alias() != DEFAULT_DB_ALIAS


@contextmanager
def replica_reads(*, reader=None, caught_up_with=None):
    """Reads inside go to a replica when one is safe for them, else to the primary.

    `reader` is the person the reads are for: someone who just wrote reads the primary.
    `caught_up_with` is a saved row the replica must already hold, for background work that
    starts from one (an export): a replica that has it has everything written before it, so
    the reader's recent writes need no check. A scope inside another keeps the outer choice."""
    if _scope_alias.get() is not None:
        yield
        return
    token = _scope_alias.set(_choose(reader=reader, caught_up_with=caught_up_with))
    try:
        yield
    finally:
        _scope_alias.reset(token)


def _choose(*, reader, caught_up_with) -> str:
    aliases = replica_aliases()
    if not aliases or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if caught_up_with is None and reader is not None and wrote_recently(reader):
        return DEFAULT_DB_ALIAS
    usable = [alias for alias in aliases if replica_usable(alias)]
    random.shuffle(usable)
    for alias in usable:
        if caught_up_with is None or _holds(alias, caught_up_with):
            return alias
    return DEFAULT_DB_ALIAS


def _holds(alias: str, row) -> bool:
    try:
        return type(row)._base_manager.using(alias).filter(pk=row.pk).exists()
    except Exception as error:  # whatever fails there, the primary answers instead
        _forget(alias, error)
        return False


def reads_from_replica(view_method):
    """A view method `(self, request, …)` whose reads go to a replica when one is safe for
    the signed-in user (`replica_reads`)."""

    @wraps(view_method)
    def view(self, request, *args, **kwargs):
        with replica_reads(reader=request.user):
            return view_method(self, request, *args, **kwargs)

    return view


# --- read your own writes ---------------------------------------------------------------------


def note_write(user) -> None:
    """`user` has just written: their reads go to the primary for REPLICA_READ_YOUR_WRITES_SECONDS."""
    seconds = math.ceil(settings.REPLICA_READ_YOUR_WRITES_SECONDS)
    if seconds > 0:
        with suppress(CacheUnavailable):  # then wrote_recently cannot read it either: the primary answers
            cache_call(cache.set, WROTE_KEY.format(user_id=user.pk), time.time(), seconds)


def wrote_recently(user) -> bool:
    """Whether `user` wrote in the last REPLICA_READ_YOUR_WRITES_SECONDS (True when the cache cannot say)."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        return cache_call(cache.get, WROTE_KEY.format(user_id=user.pk)) is not None
    except CacheUnavailable:
        return True


class NoteWritesMiddleware:
    """Notes who made each successful write request, for read-your-writes. It looks after the
    response, when the request's writes are committed; by then DRF has also put a token's user
    on the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400 and replica_aliases():
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                note_write(user)
        return response


# --- health: reachable and not too far behind -------------------------------------------------

_health: dict[str, tuple[float, bool, str]] = {}  # alias: (when measured, monotonic; usable; state)
_health_lock = threading.Lock()


def replica_usable(alias: str) -> bool:
    """Whether `alias` answers and lags at most REPLICA_MAX_LAG_SECONDS, as last measured by
    this process (at most REPLICA_CHECK_SECONDS ago)."""
    return replica_state(alias)[0]


def replica_state(alias: str) -> tuple[bool, str]:
    """(usable, what /health reports: `ok`, `lagging: …` or `error: …`) for `alias`, from the
    measurement `replica_usable` makes (at most every REPLICA_CHECK_SECONDS per process)."""
    with _health_lock:
        known = _health.get(alias)
    if known is not None and time.monotonic() - known[0] < settings.REPLICA_CHECK_SECONDS:
        return known[1], known[2]
    try:
        lag = replica_lag_seconds(alias)
    except Exception as error:  # unreachable, refused, not a standby: the primary answers
        return False, _forget(alias, error)
    usable = lag <= settings.REPLICA_MAX_LAG_SECONDS
    state = "ok"
    if not usable:
        behind = "has replayed nothing yet" if math.isinf(lag) else f"{lag:.1f} s behind the primary"
        state = f"lagging: {behind} (REPLICA_MAX_LAG_SECONDS is {settings.REPLICA_MAX_LAG_SECONDS:g})"
        logger.warning(
            "read replica %s is %.1f s behind the primary (REPLICA_MAX_LAG_SECONDS is %g); "
            "its reads go to the primary for the next %g s",
            alias,
            lag,
            settings.REPLICA_MAX_LAG_SECONDS,
            settings.REPLICA_CHECK_SECONDS,
        )
    _remember(alias, usable, state)
    return usable, state


def replica_lag_seconds(alias: str) -> float:
    """How far `alias` is behind the primary: 0 when it has replayed everything the primary
    has written so far, else the seconds since the last transaction it replayed committed
    (infinite when it never replayed one)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (primary_lsn,) = cursor.fetchone()
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
            " EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
            [primary_lsn],
        )
        in_recovery, caught_up, seconds = cursor.fetchone()
    if not in_recovery or caught_up:
        return 0.0
    return math.inf if seconds is None else float(seconds)


def _remember(alias: str, usable: bool, state: str) -> None:
    with _health_lock:
        _health[alias] = (time.monotonic(), usable, state)


def _forget(alias: str, error: BaseException) -> str:
    """`alias` failed: reads go to the primary until it is measured again; a broken connection is
    dropped. Returns the state /health reports."""
    logger.warning(
        "read replica %s unavailable (%s: %s); its reads go to the primary for the next %g s",
        alias,
        type(error).__name__,
        error,
        settings.REPLICA_CHECK_SECONDS,
    )
    with suppress(Exception):
        connections[alias].close()
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    state = f"error: {text[:200]}"
    _remember(alias, False, state)
    return state
