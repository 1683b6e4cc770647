"""Expected hours summed per person and week, month or whole span (the overtime report's
and its opening balance's): each run of days under one contract version counts its work
days per period, and only the days with a holiday or leave are corrected.

On PostgreSQL those days are read and corrected set-based, in one query for everyone and
the whole span (`generate_series` over the approved leave, joined to the holidays of each
run's calendar), summed per person and period; only days of sick leave come back one by
one, for the hours worked on them. Elsewhere (SQLite) the same corrections are made day by
day with `leave.selectors.expected_on`, the rule both follow."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from leave.selectors import (
    ZERO,
    ContractDay,
    calendar_id_on,
    expected_on,
    holidays_by_calendar,
    leave_halves,
    leave_reducing_expected_hours,
    worked_hours_on,
)
from users.models import User
from users.schedules import Schedule, Terms, schedules_of

Stretch = tuple[date, date, Terms, int | None]


@dataclass(frozen=True)
class PeriodKeys:
    """How days are summed: per "week" or "month", keyed by its first day (a week's
    Monday); with `opening_before`, the days before it as one sum keyed None (the opening
    balance's)."""

    period: str
    opening_before: date | None = None

    def __post_init__(self):
        if self.period not in ("week", "month"):
            raise ValueError("period must be week or month")

    def of(self, day: date) -> tuple[date | None, date]:
        """(key, last day) of the sum `day` belongs to."""
        if self.opening_before is not None and day < self.opening_before:
            return None, self.opening_before - timedelta(days=1)
        if self.period == "week":
            monday = day - timedelta(days=day.weekday())
            return monday, monday + timedelta(days=6)
        first = day.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def expected_hours_by_period(
    users: Iterable[User], start: date, end: date, keys: PeriodKeys
) -> dict[int, dict[date | None, Decimal]]:
    """`leave.selectors.expected_hours_of` summed per person as `keys` says: the same
    numbers without a step per day."""
    users = list(users)
    schedules = schedules_of(users)
    stretches = {user.pk: _contract_stretches(user, schedules[user.pk], start, end) for user in users}
    result: dict[int, dict[date | None, Decimal]] = {}
    for user in users:
        sums: dict[date | None, Decimal] = {}
        for first, last, terms, _ in stretches[user.pk]:
            # A whole work day counts its two halves, as `expected_on` computes it.
            full_day = Decimal(2) * terms.hours_per_work_day / 2
            day = first
            while day <= last:
                key, period_last = keys.of(day)
                upto = min(last, period_last)
                sums[key] = sums.get(key, ZERO) + _work_days_between(day, upto, terms.work_days) * full_day
                day = upto + timedelta(days=1)
        result[user.pk] = sums
    corrections = _corrections_sql if connection.vendor == "postgresql" else _corrections_by_day
    for user_id, key, correction in corrections(users, stretches, start, end, keys):
        result[user_id][key] = result[user_id].get(key, ZERO) + correction
    return result


def _corrections_by_day(
    users: list[User], stretches: dict[int, list[Stretch]], start: date, end: date, keys: PeriodKeys
) -> Iterator[tuple[int, date | None, Decimal]]:
    """(person, period, expected minus a usual day's hours) of each day with a holiday or
    leave, one day at a time (`expected_on`)."""
    calendars = {calendar_id for per_user in stretches.values() for *_, calendar_id in per_user}
    holidays = holidays_by_calendar(calendars, start, end)
    on_leave, on_sick = leave_halves(users, start, end)
    for user in users:
        off, sick = on_leave[user.pk], on_sick[user.pk]
        worked = worked_hours_on(user, sorted(sick)) if sick else {}
        for first, last, terms, calendar_id in stretches[user.pk]:
            full_day = Decimal(2) * terms.hours_per_work_day / 2
            for day in {day for day in (*holidays[calendar_id], *off, *sick) if first <= day <= last}:
                usual = full_day if day.isoweekday() in terms.work_days else ZERO
                expected = expected_on(
                    ContractDay(day, terms, calendar_id),
                    holidays,
                    off.get(day, set()),
                    sick.get(day, set()),
                    worked.get(day, ZERO),
                )
                yield user.pk, keys.of(day)[0], expected - usual


def _half_requested(half: str) -> str:
    """SQL: whether the request `r` asks for `half` of day `d` (`requested_halves`)."""
    return (
        f"NOT (d = r.start_date AND r.start_half NOT IN ('', '{half}')) "
        f"AND NOT (d = r.end_date AND r.end_half NOT IN ('', '{half}'))"
    )


def _halves_sql(morning: str, afternoon: str) -> str:
    """SQL: the hours of the halves of a day that hold, as `expected_on` multiplies them."""
    return (
        f"CASE WHEN ({morning}) AND ({afternoon}) THEN full_day WHEN ({morning}) OR ({afternoon}) THEN half ELSE 0 END"
    )


_SQL_PERIOD_KEY = {
    "week": "date_trunc('week', day)::date",
    "month": "date_trunc('month', day)::date",
    None: "NULL::date",
}


def _corrections_sql(
    users: list[User], stretches: dict[int, list[Stretch]], start: date, end: date, keys: PeriodKeys
) -> Iterator[tuple[int, date | None, Decimal]]:
    """`_corrections_by_day`'s sums per person and period, from one PostgreSQL query: each
    day of approved leave once (its halves of leave and of sick leave merged), each holiday
    of a contract run's calendar, with the run's work days and hours. Days of sick leave
    come back one by one: what they cover depends on the hours worked on them."""
    rows = [(user_id, *stretch) for user_id, per_user in stretches.items() for stretch in per_user]
    if not rows:
        return
    leave_sql, params = _corrections_params(users, rows, start, end, keys)
    sql = _corrections_statement(leave_sql, keys.period)
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner guesses 1,000 days per request (generate_series), so a few thousand
        # requests look costly enough to compile: that took 100 ms of a 200 ms query.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        found = cursor.fetchall()
    yield from _sick_days_covered(users, found)


def _corrections_statement(leave_sql: str, period: str) -> str:
    """`_corrections_sql`'s query: each day of the leave `leave_sql` reads, once, with its
    halves of leave and of sick leave; each holiday of a run's calendar; each such day's
    expected, usual and sick hours by the run's terms, summed per person and period (a
    day of sick leave on its own)."""
    morning, afternoon = _half_requested("morning"), _half_requested("afternoon")
    return f"""
        WITH run AS (
            SELECT * FROM unnest(
                %(users)s::bigint[], %(firsts)s::date[], %(lasts)s::date[], %(work_days)s::int[],
                %(halves)s::numeric[], %(full_days)s::numeric[], %(calendars)s::bigint[]
            ) AS run(user_id, first, last, work_days, half, full_day, calendar_id)
        ),
        leave_day AS (
            SELECT r.user_id, d::date AS day,
                   bool_or(NOT r.sick AND {morning}) AS off_morning,
                   bool_or(NOT r.sick AND {afternoon}) AS off_afternoon,
                   bool_or(r.sick AND {morning}) AS sick_morning,
                   bool_or(r.sick AND {afternoon}) AS sick_afternoon
            FROM ({leave_sql})
                 AS r(user_id, start_date, end_date, start_half, end_half, sick)
            CROSS JOIN LATERAL generate_series(
                GREATEST(r.start_date, %(start)s::date), LEAST(r.end_date, %(end)s::date), interval '1 day'
            ) AS d
            GROUP BY r.user_id, d::date
        ),
        special AS (
            SELECT run.*, l.day, l.off_morning, l.off_afternoon, l.sick_morning, l.sick_afternoon
            FROM run JOIN leave_day l ON l.user_id = run.user_id AND l.day BETWEEN run.first AND run.last
            UNION ALL
            SELECT run.*, h.date, FALSE, FALSE, FALSE, FALSE
            FROM run JOIN leave_holiday h ON h.calendar_id = run.calendar_id AND h.date BETWEEN run.first AND run.last
            WHERE NOT EXISTS (SELECT 1 FROM leave_day l WHERE l.user_id = run.user_id AND l.day = h.date)
        ),
        working AS (
            SELECT s.*, s.work_days & (1 << EXTRACT(ISODOW FROM s.day)::int) <> 0 AS work_day, h.half_day
            FROM special s
            LEFT JOIN leave_holiday h ON h.calendar_id = s.calendar_id AND h.date = s.day
        ),
        held AS (
            SELECT user_id, day, half, full_day, sick_morning, sick_afternoon,
                   CASE WHEN work_day THEN full_day ELSE 0 END AS usual,
                   work_day AND COALESCE(half_day, TRUE) AND NOT off_morning AS morning,
                   work_day AND half_day IS NULL AND NOT off_afternoon AS afternoon
            FROM working
        )
        SELECT user_id, CASE WHEN day >= %(opening_before)s THEN {_SQL_PERIOD_KEY[period]} END,
               CASE WHEN sick_morning OR sick_afternoon THEN day END AS sick_day,
               SUM({_halves_sql("morning", "afternoon")}) AS expected,
               SUM({_halves_sql("morning AND sick_morning", "afternoon AND sick_afternoon")}) AS sick,
               SUM(usual) AS usual
        FROM held
        GROUP BY 1, 2, 3
    """  # noqa: S608 - the period's SQL comes from a whitelist; every value is a parameter


def _corrections_params(
    users: list[User], rows: list[tuple], start: date, end: date, keys: PeriodKeys
) -> tuple[str, dict]:
    """The SQL of the leave that reduces expected hours, with named parameters, and every
    parameter of `_corrections_sql`'s query: the contract runs as arrays."""
    leave_sql, leave_params = leave_reducing_expected_hours(users, start, end).order_by().query.sql_with_params()
    names = [f"leave_{position}" for position in range(len(leave_params))]
    params = {
        **dict(zip(names, leave_params, strict=True)),
        "users": [user_id for user_id, *_ in rows],
        "firsts": [first for _, first, *_ in rows],
        "lasts": [last for _, _, last, *_ in rows],
        "work_days": [sum(1 << weekday for weekday in terms.work_days) for *_, terms, _ in rows],
        "halves": [terms.hours_per_work_day / 2 for *_, terms, _ in rows],
        "full_days": [Decimal(2) * terms.hours_per_work_day / 2 for *_, terms, _ in rows],
        "calendars": [calendar_id for *_, calendar_id in rows],
        "start": start,
        "end": end,
        "opening_before": keys.opening_before or date.min,
    }
    return leave_sql % tuple(f"%({name})s" for name in names), params


def _sick_days_covered(users: list[User], found: list[tuple]) -> Iterator[tuple[int, date | None, Decimal]]:
    """(person, period, correction) of the query's rows: a day of sick leave covers only
    the hours not worked on it (`expected_on`), read for each person with such days."""
    sick_days: dict[int, list[date]] = {}
    for user_id, _, sick_day, *_ in found:
        if sick_day is not None:
            sick_days.setdefault(user_id, []).append(sick_day)
    by_id = {user.pk: user for user in users}
    worked = {user_id: worked_hours_on(by_id[user_id], sorted(days)) for user_id, days in sick_days.items()}
    for user_id, key, sick_day, expected, sick, usual in found:
        if sick_day is not None:
            expected -= min(sick, max(expected - worked[user_id].get(sick_day, ZERO), ZERO))
        yield user_id, key, expected - usual


def _work_days_between(first: date, last: date, work_days: frozenset[int]) -> int:
    """How many days from `first` to `last` fall on one of `work_days` (ISO weekdays)."""
    length = (last - first).days + 1
    if length <= 0:
        return 0
    weeks, rest = divmod(length, 7)
    start_weekday = first.isoweekday()
    return weeks * len(work_days) + sum(((start_weekday - 1 + offset) % 7) + 1 in work_days for offset in range(rest))


def _contract_stretches(
    user: User, schedule: Schedule, start: date, end: date
) -> list[tuple[date, date, Terms, int | None]]:
    """(first, last, version in force, holiday calendar) of each run of days from `start`
    to `end` under one contract version while employed: what `contract_days` says day by
    day, without the days."""
    first = max(start, schedule.employment_start)
    last = min(end, schedule.employment_end) if schedule.employment_end else end
    if first > last:
        return []
    changes = sorted({terms.valid_from for terms in schedule.versions if first < terms.valid_from <= last})
    stretches = []
    for stretch_start, next_start in zip([first, *changes], [*changes, last + timedelta(days=1)], strict=True):
        terms = schedule.terms_on(stretch_start)
        stretches.append((stretch_start, next_start - timedelta(days=1), terms, calendar_id_on(user, terms)))
    return stretches
