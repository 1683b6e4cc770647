"""How far a commit is, while it runs. A commit writes every row in one transaction, so what
it writes to its own import row is seen by others only once it is over; it reports its
progress in the shared cache (Redis) instead, and the reads (`GET /api/v1/imports/{id}`,
the page's polled status) take the larger of the two. Best effort: with the cache down the
poller sees the progress the row last had."""

import contextlib

from django.core.cache import cache

from core.cache import CacheUnavailable, cache_call
from imports.models import Import

KEY = "imports:progress:{}"
TIMEOUT = 24 * 3600  # a commit that died leaves no lasting value behind


def progress_report(import_id: int, percent: int) -> None:
    with contextlib.suppress(CacheUnavailable):
        cache_call(cache.set, KEY.format(import_id), percent, TIMEOUT)


def progress_forget(import_id: int) -> None:
    with contextlib.suppress(CacheUnavailable):
        cache_call(cache.delete, KEY.format(import_id))


def progress_seen(source: Import) -> int:
    """The import's progress as a poller should see it: while importing, what the commit
    reported last (never less than the row says)."""
    if source.status != Import.Status.IMPORTING:
        return source.progress
    try:
        reported = cache_call(cache.get, KEY.format(source.pk))
    except CacheUnavailable:
        reported = None
    return max(source.progress, reported or 0)
