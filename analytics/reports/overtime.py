"""The overtime report: expected against worked hours per person and week or month."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _

from analytics.reports.common import (
    CENT,
    ZERO,
    hours_of_seconds,
    people_in_report,
    report_range,
    seconds_of,
    worked_pieces,
)
from core import periods
from core.errors import DomainValidationError
from leave.selectors import expected_hours_of
from timeentries.models import TimeEntry
from users.models import User


def _period_of(day: date, period: str) -> tuple[str, date, date]:
    if period == "week":
        start = periods.week_start_of(day)
        return periods.iso_week_label(start), start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return f"{day.year:04d}-{day.month:02d}", start, following - timedelta(days=1)


def _worked_by_day(people: list[User], date_from: date, date_to: date) -> dict[int, dict[date, timedelta]]:
    """Per person and local day (in their own time zone), the time worked in the range:
    duration entries on their day, clocked ones split at local midnight with their break
    spread over the pieces (as the time report does)."""
    # One query for everyone's entries, wide enough for any time zone; clipped per user below.
    earliest = periods.local_midnight(date_from, ZoneInfo("UTC")) - timedelta(days=1)
    latest = periods.local_midnight(date_to + timedelta(days=2), ZoneInfo("UTC"))
    worked: dict[int, dict[date, timedelta]] = defaultdict(lambda: defaultdict(timedelta))
    by_id = {person.pk: person for person in people}
    entries = TimeEntry.objects.filter(
        Q(end__isnull=False, end__gt=earliest, start__lt=latest)
        | Q(kind=TimeEntry.Kind.DURATION, day__gte=date_from, day__lte=date_to),
        user_id__in=list(by_id),
    ).values_list("user_id", "kind", "day", "start", "end", "duration")
    for user_id, kind, day, start, end, duration in entries:
        if kind == TimeEntry.Kind.DURATION:
            worked[user_id][day] += duration
            continue
        tz = by_id[user_id].tzinfo
        range_start, range_end = report_range(date_from, date_to, tz)
        clip_start, clip_end = max(start, range_start), min(end, range_end)
        pieces = periods.split_by_local_day(clip_start, clip_end, tz)
        for local_day, piece in worked_pieces(start, end, duration, clip_start, pieces):
            worked[user_id][local_day] += piece
    return worked


def _buckets(date_from, date_to, period, expected: dict, worked: dict) -> dict[str, dict]:
    """The person's periods (clipped to the range) with their expected and worked time."""
    buckets: dict[str, dict] = {}
    for offset in range((date_to - date_from).days + 1):
        day = date_from + timedelta(days=offset)
        label, start, end = _period_of(day, period)
        bucket = buckets.setdefault(
            label,
            {"start": max(start, date_from), "end": min(end, date_to), "expected": ZERO, "actual": timedelta()},
        )
        bucket["expected"] += expected.get(day, ZERO)
        bucket["actual"] += worked.get(day, timedelta())
    return buckets


def _opening_balances(people: list[User], date_from: date) -> dict[int, Decimal]:
    """Per person, worked minus expected hours from their `employment_start` to the day
    before `date_from` (0 for someone who starts on or after it): what the running balance
    of a report starting at `date_from` opens with."""
    before = date_from - timedelta(days=1)
    earlier = [person for person in people if person.employment_start <= before]
    opening = {person.pk: ZERO for person in people}
    if not earlier:
        return opening
    first = min(person.employment_start for person in earlier)
    worked = _worked_by_day(earlier, first, before)
    expected = expected_hours_of(earlier, first, before)
    for person in earlier:
        expected_total = Decimal(sum(expected[person.pk].values(), ZERO)).quantize(CENT, rounding=ROUND_HALF_UP)
        days = [day for day in worked[person.pk] if person.employment_start <= day <= before]
        actual_total = hours_of_seconds(seconds_of(sum((worked[person.pk][day] for day in days), timedelta())))
        opening[person.pk] = actual_total - expected_total
    return opening


def overtime_report(
    *, actor: User, date_from: date, date_to: date, period: str, user: int | None = None, team: int | None = None
) -> dict:
    """Per visible user (or only `user`, or `team`'s members) and week/month: expected hours
    (each day under the contract version in force, nothing outside employment, minus days
    off, holidays and approved leave), hours worked (split by the user's local day), the
    difference, the `opening_balance` (worked minus expected from `employment_start` to the
    day before the row's period) and the running `balance` from employment start. Periods
    are clipped to `date_from`..`date_to`."""
    if period not in ("week", "month"):
        raise DomainValidationError(_("Use week or month."), field="period")
    people = list(people_in_report(actor, user=user, team=team))
    worked = _worked_by_day(people, date_from, date_to)
    rows = []
    totals = {"expected_hours": ZERO, "actual_hours": ZERO, "difference": ZERO}
    expected_by_person = expected_hours_of(people, date_from, date_to)
    opening = _opening_balances(people, date_from)
    for person in people:
        buckets = _buckets(date_from, date_to, period, expected_by_person[person.pk], worked[person.pk])
        balance = opening[person.pk]
        for label, bucket in buckets.items():
            expected_total = Decimal(bucket["expected"]).quantize(CENT, rounding=ROUND_HALF_UP)
            actual_total = hours_of_seconds(seconds_of(bucket["actual"]))
            difference = actual_total - expected_total
            opening_balance = balance
            balance += difference
            rows.append(
                {
                    "user": person.pk,
                    "user_name": str(person),
                    "period": label,
                    "period_start": bucket["start"].isoformat(),
                    "period_end": bucket["end"].isoformat(),
                    "expected_hours": expected_total,
                    "actual_hours": actual_total,
                    "difference": difference,
                    "opening_balance": opening_balance,
                    "balance": balance,
                }
            )
            totals["expected_hours"] += expected_total
            totals["actual_hours"] += actual_total
            totals["difference"] += difference
    return {"rows": rows, "totals": totals}


def overtime_report_row_count(
    *,
    actor: User,
    date_from: date,
    date_to: date,
    period: str,
    user: int | None = None,
    team: int | None = None,
    limit: int,
) -> int:
    """How many rows `overtime_report` has with these arguments, counted no further than
    `limit`, without reading an entry: a row per person and period, the same periods for
    everyone."""
    if period not in ("week", "month"):
        raise DomainValidationError(_("Use week or month."), field="period")
    periods_in_range = {
        _period_of(date_from + timedelta(days=offset), period)[0] for offset in range((date_to - date_from).days + 1)
    }
    return min(people_in_report(actor, user=user, team=team).count() * len(periods_in_range), limit)
