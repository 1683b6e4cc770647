"""The time report as one PostgreSQL query that aggregates and writes the answer as JSON
text: decimals as strings with two places (rounded half up, as `common.hours_of_seconds`),
rows ordered as `common.finish` orders them."""

import json
from dataclasses import dataclass

from django.db import connections

from analytics.reports.common import ENTITY_GROUPS, TIME_GROUPS, TimeReportQuery
from core.replicas import read_alias
from timeentries.models import MAX_ENTRY_LENGTH
from users.selectors import user_ids_visible_to

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


def _where(query: TimeReportQuery) -> tuple[list[str], list[str], list[str], dict]:
    """The WHERE conditions and their parameters: (the clocked entries reaching into the range,
    the duration entries on its days, the actor's scope and the filters for both)."""
    params: dict = {
        "range_start": query.range_start,
        "range_end": query.range_end,
        # No entry is longer than MAX_ENTRY_LENGTH (a CHECK constraint), so every entry that
        # reaches into the range starts at most that long before it: the start index finds them.
        "earliest_start": query.range_start - MAX_ENTRY_LENGTH,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "tz": query.tz.key,
    }
    # A duration entry's start and end are null, a running timer's end: neither passes here.
    clocked = ['e."end" > %(range_start)s', "e.start < %(range_end)s", "e.start >= %(earliest_start)s"]
    # Duration entries count on their own local day (the (user, day) and day indexes find them).
    durations = ["e.kind = 'duration'", "e.day >= %(date_from)s", "e.day <= %(date_to)s"]
    where = []
    if query.actor.is_manager:
        # The visible people as an array (ARRAY(subquery), read first and once, in the same
        # statement), not `IN (subquery)`: the planner then expects a handful of people and
        # walks the (user, start) index per person. (For the subquery's "team managed by me
        # OR me" it guesses half the users and scans everyone's month.)
        people, people_params = user_ids_visible_to(query.actor).order_by().query.sql_with_params()
        names = [f"visible_{position}" for position in range(len(people_params))]
        where.append(f"e.user_id = ANY(ARRAY({people % tuple(f'%({name})s' for name in names)}))")
        params.update(zip(names, people_params, strict=True))
    elif not query.actor.is_admin:
        where.append("e.user_id = %(visible)s")
        params["visible"] = query.actor.pk
    for key, value in query.filters.items():
        where.append(f"{_SQL_FILTER[key]} = %(filter_{key})s")
        params[f"filter_{key}"] = value
    return clocked, durations, where, params


def _worked_share(offset: str) -> str:
    """SQL of `common.worked_share`: the worked microseconds in the first `offset` (an
    interval expression) of a clocked entry, exact numeric arithmetic, half up."""
    return f"div(2 * EXTRACT(EPOCH FROM {offset}) * 1000000 * worked_us + span_us, 2 * span_us)"


def _pieces(time_group: str | None) -> tuple[str, str, str, str, list[str]]:
    """(the join cutting clocked entries into buckets, the worked seconds of a clocked
    piece, whether a piece is its entry's first, a duration entry's bucket, the bucket
    columns). A clocked piece's worked time is its length scaled by worked / (end - start),
    as `common.worked_pieces` computes it; without a break that is the length itself."""

    def worked(piece_start: str, piece_end: str) -> str:
        return (
            f"CASE WHEN worked_us = span_us THEN EXTRACT(EPOCH FROM {piece_end} - {piece_start}) "
            f"ELSE ({_worked_share(f'{piece_end} - es')} - {_worked_share(f'{piece_start} - es')}) * 0.000001 END"
        )

    if not time_group:
        return "", worked("s", "f"), "TRUE", "", []
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
    seconds = worked("GREATEST(s, bucket AT TIME ZONE %(tz)s)", f"LEAST(f, {bucket_end})")
    duration_bucket = f"date_trunc('{time_group}', e.day::timestamp)"
    return pieces, seconds, f"bucket = {first_bucket}", duration_bucket, ["bucket"]


def _row_order(group_by: list[str]) -> list[str]:
    """The ORDER BY terms of the rows (as `common.finish` orders them)."""
    order = []
    for group in group_by:
        if group in TIME_GROUPS:
            order.append("bucket")
        else:
            order.append(f"COALESCE({group}_name, '') COLLATE \"C\", COALESCE({group}_id, 0)")
    return order


def _row_json(group_by: list[str]) -> str:
    """A row's JSON expression.

    Each row's JSON is concatenated by hand: json_build_object cost as much as the whole
    aggregation at a few thousand rows. Strings go through to_json (escaping); ids and
    names of user and project are never null, the others may be."""
    fields: list[tuple[str, str, bool]] = []
    for group in group_by:
        if group in TIME_GROUPS:
            fields.append((group, f"to_char(bucket, '{_SQL_LABEL[group]}')", True))
            continue
        name = f"{group}_name_json"
        if group in _SQL_NULLABLE:
            fields.append((group, f"COALESCE({group}_id::text, 'null')", False))
            fields.append((f"{group}_name", f"COALESCE({name}, 'null')", False))
        else:
            fields.extend([(group, f"{group}_id::text", False), (f"{group}_name", name, False)])
    for column in ("hours", "billable_hours", "amount"):
        fields.append((column, f"ROUND({_SQL_SECONDS[column]} / 3600, 2)", True))
    fields.append(("entries", "entries::text", False))
    return _sql_json_object(fields)


def _totals_json() -> str:
    # Totals in the same pass over the groups (a second reader of them would make
    # PostgreSQL materialise the grouped rows first).
    totals = [
        (column, f"ROUND(COALESCE(SUM({_SQL_SECONDS[column]}), 0) / 3600, 2)", True)
        for column in ("hours", "billable_hours", "amount")
    ]
    return _sql_json_object([*totals, ("entries", "COALESCE(SUM(first_pieces), 0)::text", False)])


def _names(entities: list[str]) -> tuple[str, str]:
    """The name columns and their joins: each name is escaped for JSON once per person or
    project, not once per row."""
    columns = "".join(
        f", n_{group}.name AS {group}_name, n_{group}.name_json AS {group}_name_json" for group in entities
    )
    joins = []
    for group in entities:
        table, expression = _SQL_GROUP_NAME[group]
        select = f"SELECT t.id, {expression} AS name, to_json({expression})::text AS name_json FROM {table} t"  # noqa: S608 - whitelisted identifiers
        joins.append(f"LEFT JOIN ({select}) n_{group} ON n_{group}.id = g.{group}_id")
    return columns, " ".join(joins)


@dataclass(frozen=True)
class _Pieces:
    """The report's entries cut into pieces: the WITH clause ending in `pieces`, its
    parameters, the grouping columns of the pieces and the entity groupings."""

    ctes: str
    params: dict
    keys: list[str]
    entities: list[str]


def _pieces_sql(query: TimeReportQuery) -> _Pieces:
    """Clocked entries clipped and cut into buckets, duration entries one piece on their
    day: what every form of the report (JSON, rows, count) aggregates."""
    clocked_where, durations_where, where, params = _where(query)
    entities = [group for group in query.group_by if group in ENTITY_GROUPS]
    time_group = next((group for group in query.group_by if group in TIME_GROUPS), None)
    join_user = "JOIN users_user u ON u.id = e.user_id" if "team" in entities or "team" in query.filters else ""
    pieces, seconds, first_piece, duration_bucket, bucket_columns = _pieces(time_group)
    keys = [*[f"{group}_id" for group in entities], *bucket_columns]
    duration_keys = [*[f"{group}_id" for group in entities], *([f"{duration_bucket} AS bucket"] if time_group else [])]
    ids = ", ".join(f"{_SQL_GROUP_ID[group]} AS {group}_id" for group in entities) or "1 AS one"
    ctes = f"""
        WITH clipped AS (
            SELECT {ids},
                   e.billable, p.hourly_rate, e.start AS es,
                   GREATEST(e.start, %(range_start)s) AS s, LEAST(e."end", %(range_end)s) AS f,
                   EXTRACT(EPOCH FROM COALESCE(e.duration, e."end" - e.start)) * 1000000 AS worked_us,
                   EXTRACT(EPOCH FROM e."end" - e.start) * 1000000 AS span_us
            FROM timeentries_timeentry e
            JOIN timeentries_project p ON p.id = e.project_id
            {join_user}
            WHERE {" AND ".join([*clocked_where, *where])}
        ),
        durations AS (
            SELECT {ids}, e.day, e.billable, p.hourly_rate, EXTRACT(EPOCH FROM e.duration) AS seconds
            FROM timeentries_timeentry e
            JOIN timeentries_project p ON p.id = e.project_id
            {join_user}
            WHERE {" AND ".join([*durations_where, *where])}
        ),
        pieces AS (
            SELECT {", ".join(keys)}, billable, hourly_rate,
                   {seconds} AS seconds, {first_piece} AS first_piece
            FROM clipped {pieces}
            UNION ALL
            SELECT {", ".join(duration_keys)}, billable, hourly_rate, seconds, TRUE AS first_piece
            FROM durations e
        )
    """  # noqa: S608 - identifiers from the whitelists above only; every value is a parameter
    return _Pieces(ctes, params, keys, entities)


# The sums of a group of pieces (the grouping is the caller's).
_SUMS = """
    SUM(seconds) AS seconds,
    COALESCE(SUM(seconds) FILTER (WHERE billable), 0) AS billable_seconds,
    COALESCE(SUM(seconds * hourly_rate) FILTER (WHERE billable), 0) AS amount_seconds,
    COUNT(*) AS entries,
    COUNT(*) FILTER (WHERE first_piece) AS first_pieces
"""


def time_report_sql(query: TimeReportQuery) -> str:
    """The whole report as JSON text, built by PostgreSQL in one query.

    Clocked entries are clipped and cut into buckets, duration entries are one piece on
    their day (`_pieces_sql`), and both are aggregated and written as JSON."""
    pieces = _pieces_sql(query)
    names, name_joins = _names(pieces.entities)
    keys = ", ".join(pieces.keys)
    row_json, order = _row_json(query.group_by), ", ".join(_row_order(query.group_by))
    sql = f"""
        {pieces.ctes},
        g AS (
            SELECT {keys}, {_SUMS}
            FROM pieces
            GROUP BY {keys}
        ),
        named AS (
            SELECT g.*{names}
            FROM g {name_joins}
        )
        SELECT '{{"rows":[' || COALESCE(string_agg({row_json}, ',' ORDER BY {order}), '')
               || '],"totals":' || {_totals_json()} || '}}'
        FROM named
    """  # noqa: S608 - identifiers from the whitelists above only; every value is a parameter
    with connections[read_alias()].cursor() as cursor:  # a replica inside core.replicas.replica_reads
        cursor.execute(sql, pieces.params)
        return cursor.fetchone()[0]


def time_report_rows_sql(query: TimeReportQuery) -> tuple[str, dict]:
    """The report as a query of rows for a cursor to read a batch at a time: each group's
    row in the JSON report's order, then one totals row, summed in the same pass (a
    grouping set). Each row is (is the totals row, then per grouping its label or its id
    and name, hours, billable hours, amount, entries), the numbers rounded as the JSON
    report rounds them; the totals row's entries count each entry once."""
    pieces = _pieces_sql(query)
    names, name_joins = _names(pieces.entities)
    keys = ", ".join(pieces.keys)
    columns = []
    for group in query.group_by:
        if group in TIME_GROUPS:
            columns.append(f"to_char(bucket, '{_SQL_LABEL[group]}')")
        else:
            columns.extend([f"{group}_id", f"{group}_name"])
    columns.extend(f"ROUND(COALESCE({_SQL_SECONDS[column]}, 0) / 3600, 2)" for column in _SQL_SECONDS)
    columns.append("CASE WHEN is_total THEN first_pieces ELSE entries END")
    sql = f"""
        {pieces.ctes},
        g AS (
            SELECT {keys}, {_SUMS}, GROUPING({keys}) <> 0 AS is_total
            FROM pieces
            GROUP BY GROUPING SETS (({keys}), ())
        ),
        named AS (
            SELECT g.*{names}
            FROM g {name_joins}
        )
        SELECT is_total, {", ".join(columns)}
        FROM named
        ORDER BY is_total, {", ".join(_row_order(query.group_by))}
    """  # noqa: S608 - identifiers from the whitelists above only; every value is a parameter
    return sql, pieces.params


def _local_bucket(time_group: str, local: str) -> str:
    """SQL: the first day of the day, week or month of the local timestamp `local`, a date."""
    return f"({local})::date" if time_group == "day" else f"date_trunc('{time_group}', {local})::date"


def time_report_count_sql(query: TimeReportQuery, *, limit: int) -> tuple[str, dict]:
    """A query counting the report's rows up to `limit`: the distinct groups its pieces
    fall in, without cutting every entry into pieces. A clocked entry's first bucket is
    that of its clipped start; only the few entries crossing a local midnight (or week or
    month boundary) add the buckets after it. Projects and people are joined only when a
    grouping or filter needs them, and no more groups than `limit` are counted."""
    clocked_where, durations_where, where, params = _where(query)
    entities = [group for group in query.group_by if group in ENTITY_GROUPS]
    time_group = next((group for group in query.group_by if group in TIME_GROUPS), None)
    needed = {*entities, *query.filters}
    joins = " ".join(
        join
        for tables, join in (
            ({"client"}, "JOIN timeentries_project p ON p.id = e.project_id"),
            ({"team"}, "JOIN users_user u ON u.id = e.user_id"),
        )
        if tables & needed
    )
    ids = [f"{_SQL_GROUP_ID[group]} AS {group}_id" for group in entities]
    keys = [f"{group}_id" for group in entities]
    firsts, later, local_span = keys or ["1"], "", []
    if time_group:
        # The buckets (as dates) of the clipped entry's first and last microsecond, local.
        step = _SQL_INTERVAL[time_group]
        start_local = "GREATEST(e.start, %(range_start)s) AT TIME ZONE %(tz)s"
        end_local = """(LEAST(e."end", %(range_end)s) AT TIME ZONE %(tz)s) - interval '1 microsecond'"""
        local_span = [f"{_local_bucket(time_group, start_local)} AS s", f"{_local_bucket(time_group, end_local)} AS f"]
        firsts = [*keys, "s AS bucket"]
        later = f"""
            UNION ALL
            SELECT {", ".join([*keys, "bucket::date"])}
            FROM clipped CROSS JOIN LATERAL generate_series(s + {step}, f::timestamp, {step}) AS bucket
            WHERE f > s
        """  # noqa: S608 - identifiers from the whitelists above only
    duration_keys = [*keys, *([_local_bucket(time_group, "e.day::timestamp")] if time_group else [])]
    sql = f"""
        WITH clipped AS (
            SELECT {", ".join([*ids, *local_span])}
            FROM timeentries_timeentry e {joins}
            WHERE {" AND ".join([*clocked_where, *where])}
        ),
        groups AS (
            SELECT {", ".join(firsts)} FROM clipped
            {later}
            UNION ALL
            SELECT {", ".join(duration_keys or ["1"])}
            FROM timeentries_timeentry e {joins}
            WHERE {" AND ".join([*durations_where, *where])}
        )
        SELECT COUNT(*) FROM (SELECT DISTINCT * FROM groups LIMIT %(row_limit)s) AS report_rows
    """  # noqa: S608 - identifiers from the whitelists above only; every value is a parameter
    return sql, {**params, "row_limit": limit}
