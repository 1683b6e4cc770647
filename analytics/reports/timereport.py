"""The time report: one SQL query on PostgreSQL that aggregates and also writes the answer as
JSON text (the API sends that text as it is). SQLite (development only) computes the same
rows in Python from the same filtered entries, rounded and ordered the same way; PostgreSQL
tests hold both paths to each other."""

import json
from datetime import date
from zoneinfo import ZoneInfo

from django.db import connection

from analytics.reports.common import TimeReportQuery, jsonable, with_decimals
from analytics.reports.python import time_report_python
from analytics.reports.sql import time_report_sql
from core.replicas import replica_reads
from users.models import User


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
