"""The overtime report: expected against worked hours per person and week or month."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection
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
from leave.selectors_periods import PeriodKeys, expected_hours_by_period
from timeentries.models import MAX_ENTRY_LENGTH, TimeEntry
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
    spread over the pieces (as the time report does). The Python path (SQLite)."""
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


def _worked_python(people: list[User], date_from: date, date_to: date, period: str) -> tuple[dict, dict]:
    """`_worked_sql`'s answer from `_worked_by_day`: per person the time worked in each
    period of the range (by its first day), and from their employment start to the day
    before the range."""
    in_range: dict[int, dict[date, timedelta]] = defaultdict(lambda: defaultdict(timedelta))
    for user_id, days in _worked_by_day(people, date_from, date_to).items():
        for day, worked in days.items():
            in_range[user_id][_period_of(day, period)[1]] += worked
    before = date_from - timedelta(days=1)
    earlier = [person for person in people if person.employment_start <= before]
    opening: dict[int, timedelta] = defaultdict(timedelta)
    if earlier:
        first = min(person.employment_start for person in earlier)
        worked = _worked_by_day(earlier, first, before)
        for person in earlier:
            opening[person.pk] = sum(
                (time for day, time in worked[person.pk].items() if person.employment_start <= day <= before),
                timedelta(),
            )
    return in_range, opening


def _worked_between(piece_start: str, piece_end: str) -> str:
    """SQL of the worked microseconds of a clocked entry's piece: its length, or with a
    break the difference of `common.worked_share` at its ends (so the pieces of a day, a
    week or the time before the range add up exactly as the per-day pieces would)."""

    def share(offset: str) -> str:
        return f"div(2 * EXTRACT(EPOCH FROM {offset}) * 1000000 * worked_us + span_us, 2 * span_us)"

    return (
        f"CASE WHEN worked_us = span_us THEN EXTRACT(EPOCH FROM {piece_end} - {piece_start}) * 1000000 "
        f"ELSE {share(f'{piece_end} - es')} - {share(f'{piece_start} - es')} END"
    )


_SQL_STEP = {"week": "interval '1 week'", "month": "interval '1 month'"}


def _worked_sql(people: list[User], date_from: date, date_to: date, period: str) -> tuple[dict, dict]:
    """Per person, the time worked in each period of the range (keyed by the period's first
    day) and from their employment start to the day before the range, summed by PostgreSQL:
    clocked entries clipped at local midnights in each person's own time zone and cut at
    their local week or month boundaries, duration entries on their day. One query, rows
    per person and period instead of per entry. Long because most of it is the one SQL
    statement, which reads best whole."""
    step = _SQL_STEP[period]
    in_bucket = _worked_between("GREATEST(s, bucket AT TIME ZONE tz)", f"LEAST(f, (bucket + {step}) AT TIME ZONE tz)")
    before = date_from - timedelta(days=1)
    params = {
        "ids": [person.pk for person in people],
        "tzs": [person.tzinfo.key for person in people],  # an unknown name counts as UTC, as in Python
        "since": [person.employment_start if person.employment_start <= before else None for person in people],
        "date_from": date_from,
        "date_to": date_to,
        "longest": MAX_ENTRY_LENGTH,
    }
    sql = f"""
        WITH people AS (
            SELECT id, tz, since,
                   %(date_from)s::date::timestamp AT TIME ZONE tz AS range_start,
                   (%(date_to)s::date + 1)::timestamp AT TIME ZONE tz AS range_end,
                   since::timestamp AT TIME ZONE tz AS since_start
            FROM unnest(%(ids)s::bigint[], %(tzs)s::text[], %(since)s::date[]) AS p(id, tz, since)
        ),
        clocked AS (
            SELECT p.id AS user_id, p.tz, p.range_start, p.since_start, e.start AS es,
                   GREATEST(e.start, p.range_start) AS s, LEAST(e."end", p.range_end) AS f,
                   EXTRACT(EPOCH FROM e.duration) * 1000000 AS worked_us,
                   EXTRACT(EPOCH FROM e."end" - e.start) * 1000000 AS span_us,
                   e."end" AS ee
            FROM people p
            JOIN timeentries_timeentry e ON e.user_id = p.id
            -- No entry is longer than MAX_ENTRY_LENGTH: the (user, start) index finds them.
            WHERE e."end" IS NOT NULL
              AND e."end" > COALESCE(p.since_start, p.range_start)
              AND e.start < p.range_end
              AND e.start >= COALESCE(p.since_start, p.range_start) - %(longest)s
        ),
        pieces AS (
            SELECT user_id, bucket::date AS bucket, {in_bucket} AS us
            FROM clocked
            CROSS JOIN LATERAL generate_series(
                date_trunc('{period}', s AT TIME ZONE tz), (f AT TIME ZONE tz) - interval '1 microsecond', {step}
            ) AS bucket
            WHERE f > s
            UNION ALL
            SELECT user_id, NULL, {_worked_between("GREATEST(es, since_start)", "LEAST(ee, range_start)")}
            FROM clocked
            WHERE since_start IS NOT NULL AND LEAST(ee, range_start) > GREATEST(es, since_start)
            UNION ALL
            SELECT p.id,
                   CASE WHEN e.day >= %(date_from)s THEN date_trunc('{period}', e.day::timestamp)::date END,
                   EXTRACT(EPOCH FROM e.duration) * 1000000
            FROM people p
            JOIN timeentries_timeentry e ON e.user_id = p.id
            WHERE e.kind = 'duration' AND e.day <= %(date_to)s AND e.day >= COALESCE(p.since, %(date_from)s)
        )
        SELECT user_id, bucket, SUM(us) FROM pieces GROUP BY user_id, bucket
    """  # noqa: S608 - the period comes from a whitelist; every value is a parameter
    in_range: dict[int, dict[date, timedelta]] = defaultdict(dict)
    opening: dict[int, timedelta] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for user_id, bucket, microseconds in cursor.fetchall():
            worked = timedelta(microseconds=int(microseconds))
            if bucket is None:
                opening[user_id] = worked
            else:
                in_range[user_id][bucket] = worked
    return in_range, opening


def _buckets(date_from, date_to, period, expected: dict, worked: dict) -> dict[str, dict]:
    """The person's periods (clipped to the range) with their expected and worked time
    (both per period, by its first day)."""
    buckets: dict[str, dict] = {}
    day = date_from
    while day <= date_to:
        label, start, end = _period_of(day, period)
        buckets[label] = {
            "start": max(start, date_from),
            "end": min(end, date_to),
            "expected": expected.get(start, ZERO),
            "actual": worked.get(start, timedelta()),
        }
        day = end + timedelta(days=1)
    return buckets


def _opening_balances(people: list[User], expected: dict, worked_before: dict) -> dict[int, Decimal]:
    """Per person, worked minus expected hours from their `employment_start` to the day
    before the report's first (the sums keyed None; 0 for someone who starts on or after
    it): what the running balance of the report opens with."""
    opening = {}
    for person in people:
        expected_total = Decimal(expected[person.pk].get(None, ZERO)).quantize(CENT, rounding=ROUND_HALF_UP)
        actual_total = hours_of_seconds(seconds_of(worked_before.get(person.pk, timedelta())))
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
    worked_in = _worked_sql if connection.vendor == "postgresql" else _worked_python
    worked, worked_before = worked_in(people, date_from, date_to, period)
    rows = []
    totals = {"expected_hours": ZERO, "actual_hours": ZERO, "difference": ZERO}
    # One read of the expected hours for the range by period and, keyed None, for the
    # days from the earliest employment start to the range (the opening balances).
    since = min([date_from, *(person.employment_start for person in people)])
    keys = PeriodKeys(period, opening_before=date_from)
    expected_by_person = expected_hours_by_period(people, since, date_to, keys)
    opening = _opening_balances(people, expected_by_person, worked_before)
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
