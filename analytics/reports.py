"""Report selectors: pure reads over time entries and leave, scoped to what the actor may see.

The time report runs as one SQL query on PostgreSQL that aggregates and also writes the
answer as JSON text (the API sends that text as it is). SQLite (development only) computes
the same rows in Python from the same filtered entries and `_finish` rounds and orders them
the same way; a PostgreSQL test checks that both paths answer alike.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.http import Http404

from core import periods
from core.errors import DomainValidationError
from leave.selectors import expected_hours_of, leave_balances_of
from timeentries.models import MAX_ENTRY_LENGTH, TimeEntry
from users.models import User
from users.selectors import teams_visible_to, user_ids_visible_to, users_visible_to

TIME_GROUPS = ("day", "week", "month")
ENTITY_GROUPS = ("user", "team", "client", "project", "task")
GROUPS = ENTITY_GROUPS + TIME_GROUPS
FILTERS = ("user", "team", "project", "client", "billable")
CENT = Decimal("0.01")
ZERO = Decimal(0)
SECONDS_PER_HOUR = Decimal(3600)


def _hours(seconds: Decimal) -> Decimal:
    return periods.hours_of_seconds(seconds)


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
            "entries": len(sums.entry_ids),
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
    boundaries when grouped by time. Only entries of people the actor may see count.

    Answers {"rows": [...], "totals": {...}} with the amounts as Decimals."""
    query = _time_report_query(actor, date_from, date_to, group_by, tz, filters)
    if connection.vendor == "postgresql":
        return _with_decimals(json.loads(_time_report_sql(*query)))
    return _time_report_python(*query)


def time_report_json(
    *,
    actor: User,
    date_from: date,
    date_to: date,
    group_by: list[str],
    tz: ZoneInfo,
    filters: dict | None = None,
) -> str:
    """`time_report` as JSON text, decimals as strings with two places. On PostgreSQL the
    database writes the text itself: the API then hands a month of a thousand people's
    hours through without building a Python object per row."""
    query = _time_report_query(actor, date_from, date_to, group_by, tz, filters)
    if connection.vendor == "postgresql":
        return _time_report_sql(*query)
    return json.dumps(jsonable(_time_report_python(*query)))


def _time_report_query(actor, date_from, date_to, group_by, tz, filters) -> tuple:
    group_by = validate_group_by(group_by)
    filters = {key: value for key, value in (filters or {}).items() if key in FILTERS and value is not None}
    range_start, range_end = _range(date_from, date_to, tz)
    return actor, range_start, range_end, group_by, tz, filters


REPORT_DECIMALS = ("hours", "billable_hours", "amount")


def _with_decimals(result: dict) -> dict:
    for item in (*result["rows"], result["totals"]):
        for key in REPORT_DECIMALS:
            item[key] = Decimal(item[key])
    return result


def jsonable(value):
    """Decimals as strings with two places (as DRF's DecimalField writes them)."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {key: jsonable(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [jsonable(inner) for inner in value]
    return value


def _entries_in_range(actor: User, range_start: datetime, range_end: datetime, filters: dict):
    entries = TimeEntry.objects.filter(
        end__isnull=False, end__gt=range_start, start__lt=range_end, start__gte=range_start - MAX_ENTRY_LENGTH
    )
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


# Group columns come from these whitelists only; never from the request.
_SQL_GROUP_ID = {
    "user": "e.user_id",
    "team": "u.team_id",
    "client": "p.client_id",
    "project": "e.project_id",
    "task": "e.task_id",
}
# Names (and their JSON escaping) are joined to the aggregated rows, not to every entry.
_SQL_GROUP_NAME = {
    "user": ("users_user", "COALESCE(NULLIF(TRIM(CONCAT(t.first_name, ' ', t.last_name)), ''), t.email)"),
    "team": ("users_team", "t.name"),
    "client": ("timeentries_client", "t.name"),
    "project": ("timeentries_project", "t.name"),
    "task": ("timeentries_task", "t.name"),
}
_SQL_FILTER = {
    "user": "e.user_id",
    "team": "u.team_id",
    "project": "e.project_id",
    "client": "p.client_id",
    "billable": "e.billable",
}
_SQL_LABEL = {"day": "YYYY-MM-DD", "week": 'IYYY-"W"IW', "month": "YYYY-MM"}  # as bucket_label writes them
_SQL_NULLABLE = ("team", "client", "task")
_SQL_SECONDS = {"hours": "seconds", "billable_hours": "billable_seconds", "amount": "amount_seconds"}
_SQL_INTERVAL = {"day": "interval '1 day'", "week": "interval '1 week'", "month": "interval '1 month'"}


def _sql_json_object(fields: list[tuple[str, str, bool]]) -> str:
    """A SQL expression writing a JSON object from (key, SQL expression, quote) fields: the
    expression gives the value's JSON text, or with `quote` plain text that needs no
    escaping (a number to send as a string). Adjacent literals are merged into one, since
    every || costs once per row."""
    pieces: list[str] = []
    literal = "{"
    for position, (key, expression, quote) in enumerate(fields):
        literal += ("," if position else "") + json.dumps(key) + ":" + ('"' if quote else "")
        pieces.extend([f"'{literal}'", expression])
        literal = '"' if quote else ""
    pieces.append(f"'{literal}}}'")
    return " || ".join(pieces)


def _time_report_sql(actor, range_start, range_end, group_by, tz, filters) -> str:
    """The whole report as JSON text, built by PostgreSQL in one query: decimals as strings
    with two places (rounded half up, as `_hours`), rows ordered as `_finish` orders them."""
    params: dict = {
        "range_start": range_start,
        "range_end": range_end,
        # No entry is longer than MAX_ENTRY_LENGTH (a CHECK constraint), so every entry that
        # reaches into the range starts at most that long before it: the start index finds them.
        "earliest_start": range_start - MAX_ENTRY_LENGTH,
        "tz": tz.key,
    }
    where = ['e."end" > %(range_start)s', "e.start < %(range_end)s", "e.start >= %(earliest_start)s"]
    if not actor.is_admin:
        # The visible people as one array, not a subquery: the planner then knows how many
        # they are and walks the (user, start) index per person. (It guesses half the users
        # for the subquery's "team managed by me OR me" and scans everyone's month.)
        where.append("e.user_id = ANY(%(visible)s)")
        params["visible"] = list(user_ids_visible_to(actor).order_by().values_list("pk", flat=True))
    for key, value in filters.items():
        where.append(f"{_SQL_FILTER[key]} = %(filter_{key})s")
        params[f"filter_{key}"] = value
    entities = [group for group in group_by if group in ENTITY_GROUPS]
    time_group = next((group for group in group_by if group in TIME_GROUPS), None)
    join_user = "JOIN users_user u ON u.id = e.user_id" if "team" in entities or "team" in filters else ""
    if time_group:
        # One piece per local day/week/month the entry touches (a 24-hour entry can touch
        # three days around a DST change); only an entry's first piece counts in the totals.
        step = _SQL_INTERVAL[time_group]
        first_bucket = f"date_trunc('{time_group}', s AT TIME ZONE %(tz)s)"
        pieces = f"""
            CROSS JOIN LATERAL generate_series(
                {first_bucket}, (f AT TIME ZONE %(tz)s) - interval '1 microsecond', {step}
            ) AS bucket
        """
        bucket_end = f"(bucket + {step}) AT TIME ZONE %(tz)s"
        seconds = f"EXTRACT(EPOCH FROM LEAST(f, {bucket_end}) - GREATEST(s, bucket AT TIME ZONE %(tz)s))"
        first_piece = f"bucket = {first_bucket}"
        bucket_columns = ["bucket"]
    else:
        pieces, seconds, first_piece, bucket_columns = "", "EXTRACT(EPOCH FROM f - s)", "TRUE", []
    keys = [*[f"{group}_id" for group in entities], *bucket_columns]
    # Each row's JSON is concatenated by hand: json_build_object cost as much as the whole
    # aggregation at a few thousand rows. Strings go through to_json (escaping); ids and
    # names of user and project are never null, the others may be.
    fields: list[tuple[str, str, bool]] = []
    order = []
    for group in group_by:
        if group in TIME_GROUPS:
            fields.append((group, f"to_char(bucket, '{_SQL_LABEL[group]}')", True))
            order.append("bucket")
            continue
        name = f"{group}_name_json"
        if group in _SQL_NULLABLE:
            fields.append((group, f"COALESCE({group}_id::text, 'null')", False))
            fields.append((f"{group}_name", f"COALESCE({name}, 'null')", False))
        else:
            fields.extend([(group, f"{group}_id::text", False), (f"{group}_name", name, False)])
        order.append(f"COALESCE({group}_name, '') COLLATE \"C\", COALESCE({group}_id, 0)")
    for column in ("hours", "billable_hours", "amount"):
        fields.append((column, f"ROUND({_SQL_SECONDS[column]} / 3600, 2)", True))
    fields.append(("entries", "entries::text", False))
    row_json = _sql_json_object(fields)
    # Totals in the same pass over the groups (a second reader of them would make
    # PostgreSQL materialise the grouped rows first).
    totals = [
        (column, f"ROUND(COALESCE(SUM({_SQL_SECONDS[column]}), 0) / 3600, 2)", True)
        for column in ("hours", "billable_hours", "amount")
    ]
    totals_json = _sql_json_object([*totals, ("entries", "COALESCE(SUM(first_pieces), 0)::text", False)])
    # Each name is escaped for JSON once per person or project, not once per row.
    names = "".join(f", n_{group}.name AS {group}_name, n_{group}.name_json AS {group}_name_json" for group in entities)
    name_joins = []
    for group in entities:
        table, expression = _SQL_GROUP_NAME[group]
        select = f"SELECT t.id, {expression} AS name, to_json({expression})::text AS name_json FROM {table} t"  # noqa: S608 - whitelisted identifiers
        name_joins.append(f"LEFT JOIN ({select}) n_{group} ON n_{group}.id = g.{group}_id")
    sql = f"""
        WITH clipped AS (
            SELECT {", ".join(f"{_SQL_GROUP_ID[group]} AS {group}_id" for group in entities) or "1 AS one"},
                   e.billable, p.hourly_rate,
                   GREATEST(e.start, %(range_start)s) AS s, LEAST(e."end", %(range_end)s) AS f
            FROM timeentries_timeentry e
            JOIN timeentries_project p ON p.id = e.project_id
            {join_user}
            WHERE {" AND ".join(where)}
        ),
        pieces AS (
            SELECT {", ".join(keys)}, billable, hourly_rate,
                   {seconds} AS seconds, {first_piece} AS first_piece
            FROM clipped {pieces}
        ),
        g AS (
            SELECT {", ".join(keys)},
                   SUM(seconds) AS seconds,
                   COALESCE(SUM(seconds) FILTER (WHERE billable), 0) AS billable_seconds,
                   COALESCE(SUM(seconds * hourly_rate) FILTER (WHERE billable), 0) AS amount_seconds,
                   COUNT(*) AS entries,
                   COUNT(*) FILTER (WHERE first_piece) AS first_pieces
            FROM pieces
            GROUP BY {", ".join(keys)}
        ),
        named AS (
            SELECT g.*{names}
            FROM g {" ".join(name_joins)}
        )
        SELECT '{{"rows":[' || COALESCE(string_agg({row_json}, ',' ORDER BY {", ".join(order)}), '')
               || '],"totals":' || {totals_json} || '}}'
        FROM named
    """  # noqa: S608 - identifiers from the whitelists above only; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# --- overtime ---------------------------------------------------------------------------------


def _period_of(day: date, period: str) -> tuple[str, date, date]:
    if period == "week":
        start = periods.week_start_of(day)
        return periods.iso_week_label(start), start, start + timedelta(days=6)
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return f"{day.year:04d}-{day.month:02d}", start, following - timedelta(days=1)


def _people_in_report(actor: User, *, user: int | None, team: int | None):
    """The people a per-person report covers: those the actor may see, narrowed to `user`
    and `team` when given. A user or team the actor may not see answers 404, as a missing
    one does."""
    people = users_visible_to(actor).order_by("email")
    if user is not None:
        people = people.filter(pk=user)
        if not people.exists():
            raise Http404("No such user.")
    if team is not None:
        if not teams_visible_to(actor).filter(pk=team).exists():
            raise Http404("No such team.")
        people = people.filter(team_id=team)
    return people


def overtime_report(
    *, actor: User, date_from: date, date_to: date, period: str, user: int | None = None, team: int | None = None
) -> dict:
    """Per visible user (or only `user`, or `team`'s members) and week/month: expected hours
    (contract minus days off, holidays and approved leave), hours worked (split by the user's
    local day), the difference and the running balance since `date_from`. Periods are
    clipped to `date_from`..`date_to`."""
    if period not in ("week", "month"):
        raise DomainValidationError("Use week or month.", field="period")
    people = list(_people_in_report(actor, user=user, team=team))
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
    expected_by_person = expected_hours_of(people, date_from, date_to)
    for person in people:
        expected = expected_by_person[person.pk]
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


def leave_report(*, actor: User, as_of: date, user: int | None = None, team: int | None = None) -> dict:
    """Per visible user (or only `user`, or `team`'s members) and balance-tracking leave type:
    entitlement, taken, pending and left for the leave year of `as_of`."""
    rows = []
    people = list(_people_in_report(actor, user=user, team=team))
    balances = leave_balances_of(people, as_of)
    for person in people:
        for balance in balances[person.pk]:
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
