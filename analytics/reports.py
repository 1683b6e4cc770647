"""Report selectors: pure reads over time entries and leave, scoped to what the actor may see.

The time report runs as one aggregating SQL query on PostgreSQL. SQLite (development only)
computes the same rows in Python from the same filtered entries; both paths hand raw sums
(seconds, amount seconds) to `_finish`, which rounds and orders, so they answer alike.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.http import Http404

from core.errors import DomainValidationError
from leave.selectors import expected_hours, leave_balances
from timeentries import periods
from timeentries.models import TimeEntry
from users.models import User
from users.selectors import user_ids_visible_to, users_visible_to

TIME_GROUPS = ("day", "week", "month")
ENTITY_GROUPS = ("user", "team", "client", "project", "task")
GROUPS = ENTITY_GROUPS + TIME_GROUPS
FILTERS = ("user", "team", "project", "client", "billable")
CENT = Decimal("0.01")
ZERO = Decimal(0)
SECONDS_PER_HOUR = Decimal(3600)


def _hours(seconds: Decimal) -> Decimal:
    return (Decimal(seconds) / SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


def _seconds(duration: timedelta) -> Decimal:
    return Decimal(duration // timedelta(microseconds=1)) / Decimal(1_000_000)


def bucket_label(group: str, local_day: date) -> str:
    """The label of the day/week/month bucket a local day falls in."""
    if group == "day":
        return local_day.isoformat()
    if group == "week":
        return periods.iso_week_label(periods.week_start_of(local_day))
    return f"{local_day.year:04d}-{local_day.month:02d}"


def validate_group_by(group_by: list[str]) -> list[str]:
    if not 1 <= len(group_by) <= 2:
        raise DomainValidationError("Group by one or two of: " + ", ".join(GROUPS) + ".", field="group_by")
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown:
        raise DomainValidationError(
            f"Unknown grouping {unknown[0]!r}; use " + ", ".join(GROUPS) + ".", field="group_by"
        )
    if len(set(group_by)) != len(group_by):
        raise DomainValidationError("Each grouping may appear once.", field="group_by")
    if sum(g in TIME_GROUPS for g in group_by) > 1:
        raise DomainValidationError("Group by at most one of day, week, month.", field="group_by")
    return list(group_by)


@dataclass
class _Sums:
    seconds: Decimal = ZERO
    billable_seconds: Decimal = ZERO
    amount_seconds: Decimal = ZERO  # billable seconds x hourly rate
    entry_ids: set = field(default_factory=set)
    entries: int = 0


def _finish(group_by: list[str], groups: dict[tuple, tuple[dict, _Sums]], total: _Sums) -> dict:
    def sort_key(item):
        keys, _ = item
        parts = []
        for group in group_by:
            if group in TIME_GROUPS:
                parts.append((keys[group], 0))
            else:
                parts.append((keys[f"{group}_name"] or "", keys[group] or 0))
        return parts

    def numbers(sums: _Sums) -> dict:
        return {
            "hours": _hours(sums.seconds),
            "billable_hours": _hours(sums.billable_seconds),
            "amount": (sums.amount_seconds / SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP),
            "entries": sums.entries or len(sums.entry_ids),
        }

    rows = [{**keys, **numbers(sums)} for keys, sums in sorted(groups.values(), key=sort_key)]
    return {"rows": rows, "totals": numbers(total)}


def _range(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return periods.local_midnight(date_from, tz), periods.local_midnight(date_to + timedelta(days=1), tz)


def time_report(
    *,
    actor: User,
    date_from: date,
    date_to: date,
    group_by: list[str],
    tz: ZoneInfo,
    filters: dict | None = None,
) -> dict:
    """Hours, billable hours, amount and entry count of finished entries per group, clipped
    to the local days `date_from`..`date_to` in `tz` and split at local day/week/month
    boundaries when grouped by time. Only entries of people the actor may see count."""
    group_by = validate_group_by(group_by)
    filters = {key: value for key, value in (filters or {}).items() if key in FILTERS and value is not None}
    range_start, range_end = _range(date_from, date_to, tz)
    if connection.vendor == "postgresql":
        return _time_report_sql(actor, range_start, range_end, group_by, tz, filters)
    return _time_report_python(actor, range_start, range_end, group_by, tz, filters)


def _entries_in_range(actor: User, range_start: datetime, range_end: datetime, filters: dict):
    entries = TimeEntry.objects.filter(end__isnull=False, end__gt=range_start, start__lt=range_end)
    if not actor.is_admin:
        entries = entries.filter(user_id__in=user_ids_visible_to(actor))
    lookups = {
        "user": "user_id",
        "team": "user__team_id",
        "project": "project_id",
        "client": "project__client_id",
        "billable": "billable",
    }
    return entries.filter(**{lookups[key]: value for key, value in filters.items()})


def _time_report_python(actor, range_start, range_end, group_by, tz, filters) -> dict:
    rows = _entries_in_range(actor, range_start, range_end, filters).values_list(
        "id",
        "start",
        "end",
        "billable",
        "project__hourly_rate",
        "user_id",
        "user__first_name",
        "user__last_name",
        "user__email",
        "user__team_id",
        "user__team__name",
        "project__client_id",
        "project__client__name",
        "project_id",
        "project__name",
        "task_id",
        "task__name",
    )
    time_group = next((g for g in group_by if g in TIME_GROUPS), None)
    groups: dict[tuple, tuple[dict, _Sums]] = {}
    total = _Sums()
    for (
        entry_id,
        start,
        end,
        billable,
        rate,
        user_id,
        first_name,
        last_name,
        email,
        team_id,
        team_name,
        client_id,
        client_name,
        project_id,
        project_name,
        task_id,
        task_name,
    ) in rows:
        user_name = f"{first_name} {last_name}".strip() or email
        entity = {
            "user": (user_id, user_name),
            "team": (team_id, team_name),
            "client": (client_id, client_name),
            "project": (project_id, project_name),
            "task": (task_id, task_name),
        }
        start, end = max(start, range_start), min(end, range_end)
        pieces = (
            [(bucket_label(time_group, day), worked) for day, worked in periods.split_by_local_day(start, end, tz)]
            if time_group
            else [(None, end - start)]
        )
        for label, worked in pieces:
            keys: dict = {}
            for group in group_by:
                if group in TIME_GROUPS:
                    keys[group] = label
                else:
                    keys[group], keys[f"{group}_name"] = entity[group]
            identity = tuple(keys.items())
            _, sums = groups.setdefault(identity, (keys, _Sums()))
            for bucket in (sums, total):
                seconds = _seconds(worked)
                bucket.seconds += seconds
                if billable:
                    bucket.billable_seconds += seconds
                    bucket.amount_seconds += seconds * rate
                bucket.entry_ids.add(entry_id)
    return _finish(group_by, groups, total)


# Group columns come from this whitelist only; never from the request.
_SQL_ENTITY = {
    "user": ("pc.user_id", "COALESCE(NULLIF(TRIM(CONCAT(u.first_name, ' ', u.last_name)), ''), u.email)"),
    "team": ("u.team_id", "tm.name"),
    "client": ("p.client_id", "cl.name"),
    "project": ("pc.project_id", "p.name"),
    "task": ("pc.task_id", "tk.name"),
}
_SQL_INTERVAL = {"day": "interval '1 day'", "week": "interval '1 week'", "month": "interval '1 month'"}


def _time_report_sql(actor, range_start, range_end, group_by, tz, filters) -> dict:
    params: list = [range_start, range_end, range_start, range_end]
    where = ['e."end" IS NOT NULL', 'e."end" > %s', "e.start < %s"]
    if not actor.is_admin:
        visible_sql, visible_params = user_ids_visible_to(actor).query.sql_with_params()
        where.append(f"e.user_id IN ({visible_sql})")
        params.extend(visible_params)
    filter_columns = {
        "user": "e.user_id",
        "team": "eu.team_id",
        "project": "e.project_id",
        "client": "ep.client_id",
        "billable": "e.billable",
    }
    for key, value in filters.items():
        where.append(f"{filter_columns[key]} = %s")
        params.append(value)
    base = f"""
        SELECT e.id, e.user_id, e.project_id, e.task_id, e.billable,
               GREATEST(e.start, %s) AS s, LEAST(e."end", %s) AS f
        FROM timeentries_timeentry e
        JOIN users_user eu ON eu.id = e.user_id
        JOIN timeentries_project ep ON ep.id = e.project_id
        WHERE {" AND ".join(where)}
    """  # noqa: S608 - only whitelisted identifiers are formatted in; every value is a parameter
    time_group = next((g for g in group_by if g in TIME_GROUPS), None)
    if time_group:
        step = _SQL_INTERVAL[time_group]
        pieces = f"""
            bounded AS (
                SELECT base.*, date_trunc('{time_group}', s AT TIME ZONE %s) AS bucket,
                       (date_trunc('{time_group}', s AT TIME ZONE %s) + {step}) AT TIME ZONE %s AS boundary
                FROM base
            ),
            pieces AS (
                SELECT id, user_id, project_id, task_id, billable, bucket, LEAST(f, boundary) - s AS worked
                FROM bounded
                UNION ALL
                SELECT id, user_id, project_id, task_id, billable, bucket + {step}, f - boundary
                FROM bounded WHERE f > boundary
            )
        """  # noqa: S608 - the unit and interval come from TIME_GROUPS / _SQL_INTERVAL
        params.extend([tz.key, tz.key, tz.key])
    else:
        pieces = (
            "pieces AS (SELECT id, user_id, project_id, task_id, billable, NULL AS bucket, f - s AS worked FROM base)"
        )
    columns = []
    for group in group_by:
        if group in TIME_GROUPS:
            columns.append("pc.bucket")
        else:
            columns.extend(_SQL_ENTITY[group])
    column_list = ", ".join(columns)
    sql = f"""
        WITH base AS ({base}), {pieces}
        SELECT {column_list}, GROUPING({column_list}) <> 0 AS is_total,
               SUM(EXTRACT(EPOCH FROM pc.worked)) AS seconds,
               SUM(CASE WHEN pc.billable THEN EXTRACT(EPOCH FROM pc.worked) ELSE 0 END) AS billable_seconds,
               SUM(CASE WHEN pc.billable THEN EXTRACT(EPOCH FROM pc.worked) * p.hourly_rate ELSE 0 END)
                   AS amount_seconds,
               COUNT(DISTINCT pc.id) AS entries
        FROM pieces pc
        JOIN users_user u ON u.id = pc.user_id
        LEFT JOIN users_team tm ON tm.id = u.team_id
        JOIN timeentries_project p ON p.id = pc.project_id
        LEFT JOIN timeentries_client cl ON cl.id = p.client_id
        LEFT JOIN timeentries_task tk ON tk.id = pc.task_id
        GROUP BY GROUPING SETS (({column_list}), ())
    """  # noqa: S608 - columns from _SQL_ENTITY only; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        results = cursor.fetchall()
    groups: dict[tuple, tuple[dict, _Sums]] = {}
    total = _Sums()
    for row in results:
        values, (is_total, seconds, billable_seconds, amount_seconds, entries) = (
            row[: len(columns)],
            row[len(columns) :],
        )
        sums = _Sums(
            seconds=Decimal(seconds or 0),
            billable_seconds=Decimal(billable_seconds or 0),
            amount_seconds=Decimal(amount_seconds or 0),
            entries=entries,
        )
        if is_total:
            total = sums
            continue
        keys: dict = {}
        position = 0
        for group in group_by:
            if group in TIME_GROUPS:
                keys[group] = bucket_label(group, values[position].date())
                position += 1
            else:
                keys[group], keys[f"{group}_name"] = values[position], values[position + 1]
                position += 2
        groups[tuple(keys.items())] = (keys, sums)
    return _finish(group_by, groups, total)


# --- overtime ---------------------------------------------------------------------------------


def _period_of(day: date, period: str) -> tuple[str, date, date]:
    if period == "week":
        start = periods.week_start_of(day)
        return periods.iso_week_label(start), start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return f"{day.year:04d}-{day.month:02d}", start, following - timedelta(days=1)


def overtime_report(*, actor: User, date_from: date, date_to: date, period: str, user: int | None = None) -> dict:
    """Per visible user and week/month: expected hours (contract minus days off, holidays and
    approved leave), hours worked (split by the user's local day), the difference and the
    running balance since `date_from`. Periods are clipped to `date_from`..`date_to`."""
    if period not in ("week", "month"):
        raise DomainValidationError("Use week or month.", field="period")
    people = users_visible_to(actor).order_by("email")
    if user is not None:
        people = people.filter(pk=user)
        if not people.exists():
            raise Http404("No such user.")
    people = list(people)
    # One query for everyone's entries, wide enough for any time zone; clipped per user below.
    earliest = periods.local_midnight(date_from, ZoneInfo("UTC")) - timedelta(days=1)
    latest = periods.local_midnight(date_to + timedelta(days=2), ZoneInfo("UTC"))
    worked: dict[int, dict[date, timedelta]] = defaultdict(lambda: defaultdict(timedelta))
    by_id = {person.pk: person for person in people}
    entries = TimeEntry.objects.filter(
        user_id__in=list(by_id), end__isnull=False, end__gt=earliest, start__lt=latest
    ).values_list("user_id", "start", "end")
    for user_id, start, end in entries:
        tz = by_id[user_id].tzinfo
        range_start, range_end = _range(date_from, date_to, tz)
        start, end = max(start, range_start), min(end, range_end)
        for day, duration in periods.split_by_local_day(start, end, tz):
            worked[user_id][day] += duration
    rows = []
    totals = {"expected_hours": ZERO, "actual_hours": ZERO, "difference": ZERO}
    for person in people:
        expected = expected_hours(person, date_from, date_to)
        buckets: dict[str, dict] = {}
        for offset in range((date_to - date_from).days + 1):
            day = date_from + timedelta(days=offset)
            label, start, end = _period_of(day, period)
            bucket = buckets.setdefault(
                label,
                {
                    "start": max(start, date_from),
                    "end": min(end, date_to),
                    "expected": ZERO,
                    "actual": timedelta(),
                },
            )
            bucket["expected"] += expected.get(day, ZERO)
            bucket["actual"] += worked[person.pk].get(day, timedelta())
        balance = ZERO
        for label, bucket in buckets.items():
            expected_total = Decimal(bucket["expected"]).quantize(CENT, rounding=ROUND_HALF_UP)
            actual_total = _hours(_seconds(bucket["actual"]))
            difference = actual_total - expected_total
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
                    "balance": balance,
                }
            )
            totals["expected_hours"] += expected_total
            totals["actual_hours"] += actual_total
            totals["difference"] += difference
    return {"rows": rows, "totals": totals}


# --- leave ------------------------------------------------------------------------------------


def leave_report(*, actor: User, as_of: date) -> dict:
    """Per visible user and balance-tracking leave type: entitlement, taken, pending and left
    for the leave year of `as_of`."""
    rows = []
    for person in users_visible_to(actor).order_by("email"):
        for balance in leave_balances(person, as_of):
            rows.append(
                {
                    "user": person.pk,
                    "user_name": str(person),
                    "type": balance["type"],
                    "type_code": balance["type_code"],
                    "type_name": balance["type_name"],
                    "unit": balance["unit"],
                    "entitlement": balance["entitlement"],
                    "taken": balance["taken"],
                    "planned": balance["planned"],
                    "pending": balance["pending"],
                    "left": balance["left"],
                }
            )
    return {"rows": rows, "totals": {}}
