"""Report files written a row at a time (issue 21): a direct download counts the report's
rows before it builds anything and refuses a report over EXPORT_SYNC_MAX_ROWS at that
cost; the time report streams from a server-side cursor on PostgreSQL; a sorted file
merges sorted runs. Every file holds what the report built whole holds, in the order the
reports page shows.

November 2026 in Berlin (the clock stands on Thursday 26 November): six people of two
teams and none, on three projects whose names differ only in case, clocked entries (one
across midnight, one with a break) and typed hours, over three weeks."""

import csv
import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from analytics import reports, sorting
from analytics.exports import report_rows, report_table, rows_to_csv_stream, rows_to_xlsx, time_report_columns
from analytics.models import Export
from analytics.queries import report_query
from conftest import requires_postgres
from core.models import AuditEvent
from users.tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
TIME = "/api/v1/reports/time"
OVERTIME = "/api/v1/reports/overtime"
PAGE_DOWNLOAD = "/reports/download"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}

pytestmark = pytest.mark.usefixtures("frozen_2026_11_26", "media_in_tmp")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def people(alice, frank, dave, carol, team_a):
    return [
        alice,
        frank,
        dave,
        carol,
        UserFactory(email="zoe@example.com", first_name="zoë", last_name="", team=team_a),
        UserFactory(email="ugo@example.com", first_name="Ugo", last_name="Straße", team=None),
    ]


@pytest.fixture
def streamed_november(people, acme, acme_dev, internal, make_project, log, log_duration):
    lower = make_project(code="LOW", name="acme website", hourly_rate=Decimal("12.25"))
    projects = [acme, internal, lower]
    rng = random.Random(21)
    for day in range(2, 24):
        for person in people:
            if rng.random() < 0.3:
                continue
            project = rng.choice(projects)
            start = berlin(2026, 11, day, rng.randrange(6, 15), rng.choice([0, 10, 25, 40]))
            minutes = rng.randrange(20, 300)
            log(
                person,
                project,
                start,
                start + timedelta(minutes=minutes),
                billable=rng.random() < 0.7,
                task=acme_dev if project == acme and rng.random() < 0.5 else None,
                break_minutes=15 if minutes > 240 else 0,
            )
    log(people[0], acme, berlin(2026, 11, 24, 22), berlin(2026, 11, 25, 1, 30))  # across midnight
    log_duration(people[1], internal, date(2026, 11, 24), 2.5)
    log_duration(people[2], acme, date(2026, 11, 3), 1.75, billable=False)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def built_whole(user, report: str, params: dict, output: str, csv_locale: str = "") -> list[list]:
    """The cells of `report`'s file as it was written before streaming: the report built
    whole (`report_table`, as the page builds it), then written from the list."""
    query = report_query(report, params, actor=user)
    columns, result = report_table(query, actor=user)
    if output == "csv":
        return csv_cells("".join(rows_to_csv_stream(columns, result["rows"], locale=csv_locale)).encode(), csv_locale)
    buffer = io.BytesIO()
    rows_to_xlsx(columns, result["rows"], result["totals"], buffer)
    return xlsx_cells(buffer.getvalue())


def csv_cells(content: bytes, csv_locale: str = "") -> list[list]:
    return list(csv.reader(io.StringIO(content.decode()), delimiter=";" if csv_locale == "de" else ","))


def xlsx_cells(content: bytes) -> list[list]:
    """Values, number formats and boldness of every cell."""
    sheet = load_workbook(io.BytesIO(content)).active
    return [[(cell.value, cell.number_format, cell.font.bold) for cell in row] for row in sheet.iter_rows()]


def cells_of(response, output: str, csv_locale: str = "") -> list[list]:
    assert response.status_code == 200, response.getvalue()[:300]
    content = response.getvalue()
    return csv_cells(content, csv_locale) if output == "csv" else xlsx_cells(content)


# --- the files hold what the report built whole holds ------------------------------------------------


@pytest.mark.parametrize("output", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "group_by", ["user,day", "project,user", "team,week", "client,task", "month", "project", "user,project"]
)
def test_a_streamed_time_report_file_is_the_file_built_from_the_whole_report(
    carol, streamed_november, output, group_by
):
    params = {**NOVEMBER, "group_by": group_by}

    streamed = cells_of(signed_in(carol).get(TIME, {**params, "format": output}), output)

    assert streamed == built_whole(carol, "time", params, output)
    assert len(streamed) > 1


def test_a_german_csv_streams_as_it_was_built(carol, streamed_november):
    params = {**NOVEMBER, "group_by": "user,day"}

    streamed = cells_of(signed_in(carol).get(TIME, {**params, "format": "csv", "locale": "de"}), "csv", "de")

    assert streamed == built_whole(carol, "time", params, "csv", csv_locale="de")
    assert streamed[1][2].count(",") == 1  # a decimal comma


@pytest.mark.parametrize("output", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "report, params",
    [
        ("overtime", {**NOVEMBER, "period": "week"}),
        ("leave", {"as_of": "2026-11-26"}),
        ("payroll", {"month": "2026-11", "preliminary": "true"}),
    ],
)
def test_the_per_person_reports_are_written_as_they_were(carol, streamed_november, output, report, params):
    streamed = cells_of(signed_in(carol).get(f"/api/v1/reports/{report}", {**params, "format": output}), output)

    assert streamed == built_whole(carol, report, params, output)


@pytest.mark.parametrize(
    "sort, group_by",
    [
        ("user_name", "user,day"),
        ("-user_name", "user,day"),
        ("-day", "user,day"),
        ("hours", "user,project"),
        ("-amount", "user,project"),
        ("team_name", "team,day"),
        ("entries", "project,day"),
    ],
)
def test_a_sorted_file_merges_sorted_runs_into_the_tables_order(carol, streamed_november, monkeypatch, sort, group_by):
    """Runs of two rows: the merge, not one sort in memory, puts the file in order."""
    monkeypatch.setattr(sorting, "SORT_RUN_ROWS", 2)
    params = {**NOVEMBER, "group_by": group_by}

    streamed = cells_of(signed_in(carol).get(PAGE_DOWNLOAD, {**params, "sort": sort, "format": "csv"}), "csv")

    assert streamed == built_whole(carol, "time", {**params, "sort": sort}, "csv")
    assert len(streamed) > 10


def test_a_background_export_streams_the_same_file(carol, streamed_november, django_capture_on_commit_callbacks):
    params = {**NOVEMBER, "group_by": "user,day", "sort": "-hours"}
    client = signed_in(carol)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/exports", {"report": "time", "format": "xlsx", "params": params}, content_type="application/json"
        )

    export = Export.objects.get(pk=created.json()["id"])
    assert (export.status, export.progress) == (Export.Status.DONE, 100)
    with export.file.open("rb") as file:
        assert xlsx_cells(file.read()) == built_whole(carol, "time", params, "xlsx")
    assert export.row_count == len(built_whole(carol, "time", params, "csv")) - 1


# --- counting first ----------------------------------------------------------------------------------


def report_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "timeentries_timeentry" in query["sql"]]


def test_a_download_over_the_limit_is_refused_after_counting_only(carol, streamed_november, settings):
    rows = len(built_whole(carol, "time", {**NOVEMBER, "group_by": "user,day"}, "csv")) - 1
    settings.EXPORT_SYNC_MAX_ROWS = rows - 1
    client = signed_in(carol)

    with CaptureQueriesContext(connection) as captured:
        refused = client.get(TIME, {**NOVEMBER, "group_by": "user,day", "format": "xlsx"})

    assert refused.status_code == 413
    assert refused.json()["detail"] == (
        f"The report has more than {rows - 1} rows, too many to download directly; "
        "ask for it in the background with POST /api/v1/exports."
    )
    if connection.vendor == "postgresql":
        # One count of the groups, capped at the limit; no sums, names or JSON.
        (count,) = report_queries(captured)
        assert "COUNT(*)" in count and "LIMIT" in count
        assert "GROUPING SETS" not in count and "string_agg" not in count and "ROUND(" not in count
    assert not AuditEvent.objects.filter(action="report_exported").exists()

    settings.EXPORT_SYNC_MAX_ROWS = rows
    assert client.get(TIME, {**NOVEMBER, "group_by": "user,day", "format": "xlsx"}).status_code == 200
    assert AuditEvent.objects.get(action="report_exported").data["rows"] == rows


@pytest.fixture
def entries_on_the_edges(alice, acme, log, log_duration):
    """Alice's November by local day: entries crossing a local midnight (one into a new
    week), one clipped at each end of the month, and typed hours alone on their day and
    on a day an entry reaches into. Eight days in four weeks."""
    log(alice, acme, berlin(2026, 10, 31, 22), berlin(2026, 11, 1, 2))  # counts on 1 November only
    log(alice, acme, berlin(2026, 11, 7, 22), berlin(2026, 11, 8, 2))
    log(alice, acme, berlin(2026, 11, 8, 23), berlin(2026, 11, 9, 1))  # Sunday into Monday's week
    log(alice, acme, berlin(2026, 11, 10, 6), berlin(2026, 11, 11, 6))  # 24 hours
    log(alice, acme, berlin(2026, 11, 30, 23), berlin(2026, 12, 1, 1))  # counts on 30 November only
    log_duration(alice, acme, date(2026, 11, 8), 1)
    log_duration(alice, acme, date(2026, 11, 12), 2)


@pytest.mark.parametrize("group_by, rows", [("user,day", 8), ("user,week", 4), ("day", 8), ("project,week", 4)])
def test_a_download_right_at_the_limit_is_sent_and_one_row_over_it_is_refused(
    alice, entries_on_the_edges, settings, group_by, rows
):
    """The count sees every local day an entry touches (the days after a midnight it
    crosses, none past the range) and typed hours on their day, each group once."""
    params = {**NOVEMBER, "group_by": group_by, "format": "csv"}
    client = signed_in(alice)
    assert len(client.get(TIME, {**NOVEMBER, "group_by": group_by}).json()["rows"]) == rows
    query = report_query("time", params, actor=alice)

    settings.EXPORT_SYNC_MAX_ROWS = rows
    assert reports.time_report_row_count(actor=alice, limit=rows + 1, **query.params) == rows
    sent = client.get(TIME, params)
    assert sent.status_code == 200 and len(b"".join(sent.streaming_content).splitlines()) == rows + 1

    settings.EXPORT_SYNC_MAX_ROWS = rows - 1
    assert reports.time_report_row_count(actor=alice, limit=rows, **query.params) == rows
    assert client.get(TIME, params).status_code == 413


def test_an_overtime_download_over_the_limit_reads_no_entry(carol, people, streamed_november, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 5
    with CaptureQueriesContext(connection) as captured:
        refused = signed_in(carol).get(OVERTIME, {**NOVEMBER, "period": "week", "format": "csv"})

    assert refused.status_code == 413
    assert report_queries(captured) == []


def test_a_leave_download_over_the_limit_is_refused_once_written(carol, people, vacation, settings):
    """The leave report has no count cheaper than building it: its file stops at one row too many."""
    settings.EXPORT_SYNC_MAX_ROWS = 2

    refused = signed_in(carol).get("/api/v1/reports/leave", {"as_of": "2026-11-26", "format": "csv"})

    assert refused.status_code == 413
    assert not AuditEvent.objects.filter(action="report_exported").exists()


def test_the_page_says_a_download_is_too_large_after_the_count(carol, streamed_november, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 3
    client = signed_in(carol)

    response = client.get(PAGE_DOWNLOAD + "?" + urlencode({**NOVEMBER, "group_by": "user,day", "format": "csv"}))

    assert response.status_code == 302
    message = next(iter(client.get(response["Location"]).context["messages"]))
    assert "more than 3 rows" in str(message)


@pytest.mark.parametrize(
    "report, params",
    [
        ("time", {**NOVEMBER, "group_by": "user,day"}),
        ("time", {**NOVEMBER, "group_by": "client,task"}),
        ("time", {**NOVEMBER, "group_by": "team,week", "billable": "true"}),
        ("overtime", {**NOVEMBER, "period": "week"}),
        ("overtime", {"from": "2026-10-15", "to": "2026-11-30", "period": "month", "team": "team_a"}),
        ("payroll", {"month": "2026-11", "preliminary": "true"}),
    ],
)
@pytest.mark.parametrize("who", ["carol", "bob"])
def test_each_count_is_the_number_of_rows_of_its_report(request, streamed_november, team_a, report, params, who):
    actor = request.getfixturevalue(who)
    if params.get("team") == "team_a":
        params = {**params, "team": team_a.pk}
    query = report_query(report, params, actor=actor)
    rows = len(report_table(query, actor=actor)[1]["rows"])
    count = {"time": reports.time_report_row_count, "overtime": reports.overtime_report_row_count}.get(
        report, reports.payroll_report_row_count
    )

    assert rows > 1
    assert count(actor=actor, limit=10_000, **query.params) == rows
    assert count(actor=actor, limit=rows - 1, **query.params) == rows - 1


# --- the cursor --------------------------------------------------------------------------------------


@requires_postgres
def test_on_postgresql_the_time_report_streams_from_a_named_cursor_even_with_server_side_cursors_disabled(
    carol, streamed_november, monkeypatch
):
    """DISABLE_SERVER_SIDE_CURSORS (PgBouncer in transaction mode) turns off only the ORM's:
    the report's own cursor is declared inside its transaction and ends with it."""
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    query = report_query("time", {**NOVEMBER, "group_by": "user,day"}, actor=carol)

    with report_rows(query, actor=carol) as (columns, report):
        first = next(report.rows)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors WHERE NOT is_holdable")
            open_cursors = cursor.fetchone()[0]
        rest = list(report.rows)

    assert open_cursors == 1
    assert columns == time_report_columns(["user", "day"])
    whole = report_table(query, actor=carol)[1]
    assert [first, *rest] == whole["rows"]
    assert report.totals == whole["totals"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == 0
