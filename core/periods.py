"""Local days and ISO weeks in a user's time zone, and the one rounding of hours. Entries are
stored in UTC; every day or week boundary is computed here with zoneinfo, so a 23- or
25-hour DST day and an entry that crosses midnight are counted as they really happened.
Every app uses these periods, so they live in `core`."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from core.dates import EARLIEST_DATE, LATEST_DATE, date_in_range

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def week_start_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week_label(week_start: date) -> str:
    year, number, _ = week_start.isocalendar()
    return f"{year}-W{number:02d}"


def parse_iso_week(value: str) -> date:
    """'2026-W45' -> the Monday of that ISO week. Raises ValueError on anything else,
    weeks outside `core.dates`' range included."""
    match = WEEK_RE.match(value or "")
    if not match:
        raise ValueError(_("Use an ISO week such as 2026-W45."))
    monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    if not (date_in_range(monday) and date_in_range(monday + timedelta(days=6))):
        raise ValueError(
            _("Use an ISO week such as 2026-W45, between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE, "latest": LATEST_DATE}
        )
    return monday


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local day begins, as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def week_bounds(week_start: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return local_midnight(week_start, tz), local_midnight(week_start + timedelta(days=7), tz)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


@lru_cache(maxsize=4096)
def next_local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant the local day after `day` begins (UTC), remembered: checking many
    entries asks it of the same few days again and again."""
    return local_midnight(day + timedelta(days=1), tz)


def split_by_local_day(start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[tuple[date, timedelta]]:
    """Yield (local day, time worked that day) for the interval [start, end)."""
    day = local_date(start, tz)
    cursor = start
    while cursor < end:
        next_midnight = next_local_midnight(day, tz)
        piece_end = min(end, next_midnight)
        yield day, piece_end - cursor
        cursor, day = piece_end, day + timedelta(days=1)


def worked_by_local_day(
    start: datetime, end: datetime, break_minutes, tz: ZoneInfo, *, within=None
) -> list[tuple[date, timedelta]]:
    """(local day, time worked that day) of clocked work from `start` to `end` less a break
    of `break_minutes`: the pieces split at local midnight, each less its share of the
    break (spread in proportion to their length, so a night shift's break lowers both
    days). `within` = (from, to) clips the range first; the break's share stays that of
    the whole. Nothing when `end` is not after `start`."""
    length = end - start
    if length <= timedelta(0):
        return []
    if within is not None:
        start, end = max(start, within[0]), min(end, within[1])
        if end <= start:
            return []
    day = local_date(start, tz)
    # Most work ends on the day it began: one piece, without walking the midnights.
    pieces = [(day, end - start)] if end <= next_local_midnight(day, tz) else split_by_local_day(start, end, tz)
    if not break_minutes:
        return list(pieces)
    share = (length - timedelta(minutes=break_minutes)) / length
    return [(day, piece * share) for day, piece in pieces]


def local_days_touched(start: datetime, end: datetime | None, tz: ZoneInfo) -> list[date]:
    """Every local day the interval touches (a running entry touches its start day)."""
    if end is None or end <= start:
        return [local_date(start, tz)]
    return [day for day, _ in split_by_local_day(start, end, tz)]


def weeks_touched(start: datetime, end: datetime | None, tz: ZoneInfo) -> list[date]:
    return sorted({week_start_of(day) for day in local_days_touched(start, end, tz)})


CENT = Decimal("0.01")
SECONDS_PER_HOUR = Decimal(3600)


def hours_of_seconds(seconds: Decimal | int) -> Decimal:
    """Seconds as hours to the cent, half-up: the one rounding of hours shown to people. The
    SQL time report's `ROUND(seconds / 3600, 2)` on numeric rounds the same way (a test
    holds it to this)."""
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


def hours(duration: timedelta) -> Decimal:
    """A duration as hours to the cent, half-up: 8 h 07 min 30 s is Decimal("8.13") on every
    surface (API, timesheet, admin, search, reports, compliance). Exact: no float on the way."""
    return hours_of_seconds(Decimal(duration // timedelta(microseconds=1)) / Decimal(1_000_000))
