"""The time report's SQL path (PostgreSQL) and its Python twin (SQLite) answer alike, for
any entries, filters, time zone and grouping Hypothesis comes up with.

Each example writes its entries inside a savepoint and rolls them back, so the people and
projects are made once per test and the examples stay independent."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import reports, sorting
from analytics.reports.common import TimeReportQuery
from analytics.reports.python import time_report_python
from analytics.reports.sql import time_report_sql
from conftest import requires_postgres
from timeentries.models import MAX_ENTRY_LENGTH, Client, Project, Task, TimeEntry

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "UTC")
# Around the DST changes of 2026 and a month end: where splitting by local day is hardest.
BASES = (
    datetime(2026, 3, 27, 18, tzinfo=UTC),
    datetime(2026, 4, 3, 10, tzinfo=UTC),
    datetime(2026, 10, 23, 20, tzinfo=UTC),
    datetime(2026, 10, 30, 21, tzinfo=UTC),
)
DAY = 86_400


@pytest.fixture
def report_world(alice, bob, carol, dave, erin):
    """Five people (dave in New York), two clients' projects with tasks, an internal project."""
    dave.timezone = "America/New_York"
    dave.save(update_fields=["timezone"])
    acme = Client.objects.create(name="Acme Corp")
    globex = Client.objects.create(name="Globex")
    projects = [
        Project.objects.create(client=acme, name="Acme website", code="ACME", hourly_rate=Decimal("95.50")),
        Project.objects.create(client=globex, name="Globex app", code="GLX", hourly_rate=Decimal("120.25")),
        Project.objects.create(name="Internal", code="INT", billable=False),
    ]
    tasks = [Task.objects.create(project=projects[0], name="Development"), None]
    return {"people": [alice, bob, carol, dave, erin], "projects": projects, "tasks": tasks}


# Per entry: (pause before it in seconds, its length in seconds, project index, with task,
# billable, a duration entry (else clocked), break minutes of a clocked one (cut to fit)).
entry = st.tuples(
    st.integers(0, DAY),
    st.integers(1, int(MAX_ENTRY_LENGTH.total_seconds())),
    st.integers(0, 2),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.integers(0, 90),
)
grouping = st.lists(st.sampled_from(reports.GROUPS), min_size=1, max_size=2, unique=True).filter(
    lambda groups: sum(group in reports.TIME_GROUPS for group in groups) <= 1
)


def write_entries(world, base: datetime, per_person: list[list[tuple]]) -> None:
    """Each person's entries one after another from `base` (a person's entries never overlap):
    clocked ones with their break, or duration entries of that length on the person's local
    day of that moment."""
    rows = []
    for person, entries in zip(world["people"], per_person, strict=False):
        moment = base
        for pause, length, project_index, with_task, billable, as_duration, break_minutes in entries:
            start = moment + timedelta(seconds=pause)
            end = start + timedelta(seconds=length)
            common = {
                "user": person,
                "project": world["projects"][project_index],
                "task": world["tasks"][0] if with_task and project_index == 0 else None,
                "billable": billable,
                "day": start.astimezone(person.tzinfo).date(),
            }
            if as_duration:
                rows.append(TimeEntry(kind=TimeEntry.Kind.DURATION, duration=end - start, **common))
            else:
                pause_minutes = min(break_minutes, (length - 1) // 60)
                rows.append(
                    TimeEntry(
                        start=start,
                        end=end,
                        break_minutes=pause_minutes,
                        duration=end - start - timedelta(minutes=pause_minutes),
                        **common,
                    )
                )
            moment = end
    TimeEntry.objects.bulk_create(rows)


@requires_postgres
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    per_person=st.lists(st.lists(entry, min_size=1, max_size=5), min_size=2, max_size=5),
    base=st.sampled_from(BASES),
    zone=st.sampled_from(ZONES),
    group_by=grouping,
    first_day=st.integers(-2, 3),
    days=st.integers(0, 9),
)
def test_the_sql_report_and_its_python_twin_agree(
    report_world, data, per_person, base, zone, group_by, first_day, days
):
    people, projects = report_world["people"], report_world["projects"]
    alice, bob, carol, dave, _ = people
    actor = data.draw(st.sampled_from([carol, bob, alice, dave]), label="actor")  # admin, manager, employees
    filters = data.draw(
        st.just({})
        | st.fixed_dictionaries(
            {},
            optional={
                "user": st.sampled_from([person.pk for person in people]),
                "team": st.sampled_from([people[0].team_id, people[3].team_id]),
                "project": st.sampled_from([project.pk for project in projects]),
                "client": st.sampled_from([project.client_id for project in projects[:2]]),
                "billable": st.sampled_from([True, False, None]),
            },
        ),
        label="filters",
    )
    date_from = base.date() + timedelta(days=first_day)
    tz = ZoneInfo(zone)
    with transaction.atomic():
        write_entries(report_world, base, per_person)
        # The drawn grouping, and each time grouping: splitting at local midnight is the hard part.
        answers = []
        for groups in (group_by, ["day"], ["week"], ["month"]):
            query = TimeReportQuery.of(actor, date_from, date_from + timedelta(days=days), groups, tz, filters)
            answers.append((json.loads(time_report_sql(query)), reports.jsonable(time_report_python(query))))
        transaction.set_rollback(True)

    for sql, python in answers:
        assert sql == python


@requires_postgres
def test_the_property_test_sees_entries_that_count(report_world):
    """A check on the test itself: its entries land in the report (else it compares empties)."""
    with transaction.atomic():
        write_entries(
            report_world,
            BASES[0],
            [[(0, 3 * 3600 + 7 * 60 + 30, 0, True, True, False, 0), (0, 2 * 3600, 0, True, True, True, 0)]],
        )
        query = TimeReportQuery.of(
            report_world["people"][2], date(2026, 3, 27), date(2026, 3, 28), ["user"], ZoneInfo("UTC"), {}
        )
        sql = json.loads(time_report_sql(query))
        python = reports.jsonable(time_report_python(query))
        transaction.set_rollback(True)
    assert sql["totals"]["hours"] == "5.13"  # 3 h 07 min 30 s clocked and 2 h duration, half up
    assert sql == python


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "name": st.one_of(st.none(), st.just(""), st.sampled_from(["anna", "Anna", "ßa", "SSa", "Zoë", "b"])),
                "hours": st.one_of(st.none(), st.decimals(min_value=0, max_value=5, places=1)),
            }
        ),
        max_size=30,
    ),
    run_rows=st.integers(min_value=1, max_value=7),
    sort=st.sampled_from(["name", "-name", "hours", "-hours"]),
)
def test_a_sort_merging_runs_from_files_orders_as_the_sort_in_memory(rows, run_rows, sort):
    """Ties, blanks and case as `rows_sorted` orders them, whatever the size of the runs."""
    columns = [("name", "Name", "text"), ("hours", "Hours", "number")]
    rows = [{**row, "position": position} for position, row in enumerate(rows)]
    original, sorting.SORT_RUN_ROWS = sorting.SORT_RUN_ROWS, run_rows
    try:
        merged = list(sorting.rows_sorted_stream(columns, rows, sort))
    finally:
        sorting.SORT_RUN_ROWS = original

    assert merged == sorting.rows_sorted(columns, rows, sort)
