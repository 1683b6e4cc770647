"""The time report: one SQL query on PostgreSQL that aggregates and also writes the answer as
JSON text (the API sends that text as it is). SQLite (development only) computes the same
rows in Python from the same filtered entries, rounded and ordered the same way; PostgreSQL
tests hold both paths to each other.

A file of the report reads its rows one at a time (`time_report_rows`) and asks first how
many there are (`time_report_row_count`), so a worker never holds a large report whole."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from zoneinfo import ZoneInfo

from django.db import connection, connections, transaction

from analytics.reports.common import TIME_GROUPS, ReportRows, TimeReportQuery, jsonable, with_decimals
from analytics.reports.python import time_report_python
from analytics.reports.sql import time_report_count_sql, time_report_rows_sql, time_report_sql
from core.replicas import read_alias, replica_reads
from users.models import User

NUMBERS = ("hours", "billable_hours", "amount", "entries")
# Rows fetched from the server-side cursor at once: few round trips, a small batch in memory.
FETCH_ROWS = 2000


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
    query = TimeReportQuery.of(actor, date_from, date_to, group_by, tz, filters)
    if connection.vendor == "postgresql":
        return with_decimals(json.loads(time_report_sql(query)))
    return time_report_python(query)


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
    with replica_reads(reader=actor):
        query = TimeReportQuery.of(actor, date_from, date_to, group_by, tz, filters)
        if connection.vendor == "postgresql":
            return time_report_sql(query)
        return json.dumps(jsonable(time_report_python(query)))


@contextmanager
def time_report_rows(
    *,
    actor: User,
    date_from: date,
    date_to: date,
    group_by: list[str],
    tz: ZoneInfo,
    filters: dict | None = None,
) -> Iterator[ReportRows]:
    """`time_report`'s rows one at a time (the same rows, in the same order, with the same
    totals), for as long as the `with` block lasts.

    On PostgreSQL they come from a named (server-side) cursor in a transaction of its own,
    a batch at a time. Named on purpose: DISABLE_SERVER_SIDE_CURSORS (set behind PgBouncer
    in transaction mode) only makes the ORM's iterator() fetch everything at once, and a
    cursor that ends with its transaction works through PgBouncer too."""
    query = TimeReportQuery.of(actor, date_from, date_to, group_by, tz, filters)
    if connection.vendor != "postgresql":
        result = time_report_python(query)
        yield ReportRows(iter(result["rows"]), result["totals"])
        return
    sql, params = time_report_rows_sql(query)
    alias = read_alias()  # a replica inside core.replicas.replica_reads
    with transaction.atomic(using=alias), connections[alias].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        totals: dict = {}
        yield ReportRows(_rows_of(cursor, query.group_by, totals), totals)


def _rows_of(cursor, group_by: list[str], totals: dict) -> Iterator[dict]:
    """The row dicts of `time_report_rows_sql`'s cursor; its last row fills `totals`."""
    keys: list[str] = []
    for group in group_by:
        keys.extend([group] if group in TIME_GROUPS else [group, f"{group}_name"])
    keys.extend(NUMBERS)
    while batch := cursor.fetchmany(FETCH_ROWS):
        for is_total, *values in batch:
            row = dict(zip(keys, values, strict=True))
            if is_total:
                totals.update((key, row[key]) for key in NUMBERS)
            else:
                yield row


def time_report_row_count(
    *,
    actor: User,
    date_from: date,
    date_to: date,
    group_by: list[str],
    tz: ZoneInfo,
    filters: dict | None = None,
    limit: int,
) -> int:
    """How many rows `time_report` has, counted no further than `limit`: on PostgreSQL the
    groups are counted without their sums, so asking whether a report is too large costs
    a fraction of building it."""
    query = TimeReportQuery.of(actor, date_from, date_to, group_by, tz, filters)
    if connection.vendor != "postgresql":
        return min(len(time_report_python(query)["rows"]), limit)
    sql, params = time_report_count_sql(query, limit=limit)
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
