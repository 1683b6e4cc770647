"""Background exports: queued on commit, built by the task, downloaded by their owner only."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from analytics import tasks
from analytics.exports import rows_to_csv_stream, rows_to_xlsx
from analytics.models import Export
from core.models import AuditEvent
from core.schedules import PERIODIC_TASKS

EXPORTS = "/api/v1/exports"
BERLIN = ZoneInfo("Europe/Berlin")


pytestmark = pytest.mark.usefixtures("media_in_tmp")


@pytest.fixture
def worked_4_and_5_nov(alice, acme, log):
    log(alice, acme, datetime(2026, 11, 4, 9, tzinfo=BERLIN), datetime(2026, 11, 4, 10, 20, tzinfo=BERLIN))
    log(alice, acme, datetime(2026, 11, 5, 22, tzinfo=BERLIN), datetime(2026, 11, 6, 1, tzinfo=BERLIN))


def start_export(client, django_capture_on_commit_callbacks, body):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(EXPORTS, body, format="json")
    return response, callbacks


def test_an_export_is_built_in_the_background_and_downloaded_by_its_owner(
    api, alice, bob, worked_4_and_5_nov, django_capture_on_commit_callbacks
):
    client = api(alice)
    body = {"report": "time", "format": "csv", "params": {"from": "2026-11-01", "to": "2026-11-30", "group_by": "day"}}

    response, callbacks = start_export(client, django_capture_on_commit_callbacks, body)

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "pending"
    assert len(callbacks) == 1
    export_id = response.json()["id"]
    status = client.get(f"{EXPORTS}/{export_id}").json()
    assert (status["status"], status["progress"], status["row_count"]) == ("done", 100, 3)
    assert status["download_url"] == f"/api/v1/exports/{export_id}/download"

    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert 'filename="time-report-2026-11-01-2026-11-30.csv"' in download["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert lines == [
        ["Day", "Hours", "Billable hours", "Amount", "Entries"],
        ["2026-11-04", "1.33", "1.33", "127.33", "1"],
        ["2026-11-05", "2.00", "2.00", "191.00", "1"],
        ["2026-11-06", "1.00", "1.00", "95.50", "1"],
    ]
    assert api(bob).get(f"{EXPORTS}/{export_id}").status_code == 404
    assert api(bob).get(status["download_url"]).status_code == 404
    assert AuditEvent.objects.get(action="report_exported").data["background"] is True


@pytest.mark.parametrize("report, params", [("time", {"group_by": "user,day"}), ("overtime", {"period": "week"})])
@pytest.mark.parametrize("output", ["csv", "xlsx"])
def test_the_background_file_is_the_direct_download(
    api, alice, worked_4_and_5_nov, django_capture_on_commit_callbacks, report, params, output
):
    """Both go through `analytics.exports.report_write`: same name, same cells."""
    client = api(alice)
    params = {"from": "2026-11-01", "to": "2026-11-30", **params}
    direct = client.get(f"/api/v1/reports/{report}", {**params, "format": output})
    body = {"report": report, "format": output, "params": params}
    response, _ = start_export(client, django_capture_on_commit_callbacks, body)
    status = client.get(f"{EXPORTS}/{response.json()['id']}").json()
    background = client.get(status["download_url"])

    def cells(content: bytes) -> list[list]:
        if output == "csv":
            return list(csv.reader(io.StringIO(content.decode())))
        return [[cell.value for cell in row] for row in load_workbook(io.BytesIO(content)).active.iter_rows()]

    direct_content = direct.getvalue()
    assert direct.status_code == 200 and status["status"] == "done"
    assert direct["Content-Disposition"].split(";")[1] == background["Content-Disposition"].split(";")[1]
    assert cells(direct_content) == cells(b"".join(background.streaming_content))
    assert len(cells(direct_content)) > 1


def test_an_xlsx_export_of_the_overtime_report(api, alice, worked_4_and_5_nov, django_capture_on_commit_callbacks):
    alice.employment_start = date(2026, 11, 2)  # the running balance starts with the export's week
    alice.save(update_fields=["employment_start"])
    client = api(alice)
    body = {"report": "overtime", "format": "xlsx", "params": {"from": "2026-11-02", "to": "2026-11-08"}}

    response, _ = start_export(client, django_capture_on_commit_callbacks, body)

    status = client.get(f"{EXPORTS}/{response.json()['id']}").json()
    assert status["status"] == "done"
    sheet = load_workbook(io.BytesIO(b"".join(client.get(status["download_url"]).streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["User", "Period"]
    assert rows[1][1] == "2026-W45"
    # expected, actual, difference, balance, then the opening balance (added last, issue 15)
    assert rows[1][4:] == [40, pytest.approx(4.33), pytest.approx(-35.67), pytest.approx(-35.67), 0]
    assert rows[-1][0] == "Total"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"report": "time", "format": "csv", "params": {"to": "2026-11-30"}}, "params.from"),
        (
            {"report": "time", "format": "csv", "params": {"from": "2026-11-01", "to": "2026-11-30", "tz": "Nowhere"}},
            "params.tz",
        ),
        ({"report": "salaries", "format": "csv", "params": {}}, "report"),
        ({"report": "leave", "format": "pdf", "params": {"as_of": "2026-11-01"}}, "format"),
    ],
)
def test_bad_export_requests_answer_400_naming_the_field(api, alice, body, field):
    response = api(alice).post(EXPORTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Export.objects.exists()


def test_an_unfinished_export_cannot_be_downloaded(api, alice):
    export = Export.objects.create(owner=alice, report="leave", format="csv", params={"as_of": "2026-11-01"})

    assert api(alice).get(f"{EXPORTS}/{export.pk}/download").status_code == 409


def test_a_failed_build_is_recorded_not_retried(alice):
    export = Export.objects.create(owner=alice, report="time", format="csv", params={"from": "nonsense"})

    assert tasks.export_run(export.pk) == "failed"
    export.refresh_from_db()
    assert export.status == "failed" and export.error
    assert tasks.export_run(export.pk) == "failed"


def test_exports_older_than_a_week_are_deleted_with_their_files(alice, tmp_path):
    with time_machine.travel(datetime(2026, 11, 1, 12, tzinfo=BERLIN), tick=False):
        old = Export.objects.create(owner=alice, report="leave", format="csv", params={"as_of": "2026-11-01"})
        tasks.export_run(old.pk)
    with time_machine.travel(datetime(2026, 11, 7, 12, tzinfo=BERLIN), tick=False):
        recent = Export.objects.create(owner=alice, report="leave", format="csv", params={"as_of": "2026-11-01"})
    old.refresh_from_db()
    old_file = tmp_path / old.file.name
    assert old_file.exists()

    with time_machine.travel(datetime(2026, 11, 8, 13, tzinfo=BERLIN), tick=False):
        assert tasks.exports_purge_expired_task() == 1

    assert list(Export.objects.all()) == [recent]
    assert not old_file.exists()
    assert "analytics.tasks.exports_purge_expired_task" in {task for task, _ in PERIODIC_TASKS.values()}


def test_the_writers_on_their_own():
    columns = [("name", "Name", "text"), ("day", "Day", "date"), ("hours", "Hours", "number")]
    rows = [{"name": 'Quote "me", please', "day": "2026-11-02", "hours": "1.50"}]

    assert "".join(rows_to_csv_stream(columns, rows)) == 'Name,Day,Hours\r\n"Quote ""me"", please",2026-11-02,1.50\r\n'
    buffer = io.BytesIO()
    assert rows_to_xlsx(columns, rows, {}, buffer) == 1
    sheet = load_workbook(buffer).active
    assert sheet.max_row == 2  # no totals row without totals
    assert sheet["C2"].value == 1.5 and sheet["C2"].number_format == "0.00"
    assert sheet["B2"].is_date
    assert sheet["A1"].font.bold


def test_xlsx_rows_do_not_leak_values_or_styles_into_each_other():
    columns = [("name", "Name", "text"), ("day", "Day", "date"), ("hours", "Hours", "number")]
    rows = [
        {"name": "first", "day": "2026-11-02", "hours": Decimal("1.25")},
        {"name": None, "day": None, "hours": None},
        {"name": "third", "day": "2026-11-04", "hours": Decimal("2")},
    ]
    buffer = io.BytesIO()

    assert rows_to_xlsx(columns, rows, {"hours": Decimal("3.25")}, buffer) == 3

    sheet = load_workbook(buffer).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["Name", "Day", "Hours"],
        ["first", datetime(2026, 11, 2), 1.25],
        [None, None, None],
        ["third", datetime(2026, 11, 4), 2],
        ["Total", None, 3.25],
    ]
    assert [sheet.cell(row, 3).number_format for row in (2, 4, 5)] == ["0.00"] * 3
    assert [sheet.cell(row, 2).number_format for row in (2, 4)] == ["yyyy-mm-dd"] * 2
    assert not sheet["A2"].font.bold and sheet["A5"].font.bold and sheet["C5"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 28 and sheet.column_dimensions["C"].width == 14


def test_the_exports_list_shows_your_own_newest_first(api, alice, bob):
    with time_machine.travel(datetime(2026, 11, 2, 9, tzinfo=BERLIN), tick=False):
        older = Export.objects.create(owner=alice, report="leave", format="csv", params={"as_of": "2026-11-01"})
    with time_machine.travel(datetime(2026, 11, 3, 9, tzinfo=BERLIN), tick=False):
        newer = Export.objects.create(owner=alice, report="leave", format="xlsx", params={"as_of": "2026-11-02"})
        bobs = Export.objects.create(owner=bob, report="leave", format="csv", params={"as_of": "2026-11-01"})

    mine = api(alice).get(EXPORTS).json()
    page = api(alice).get(EXPORTS, {"page_size": 1}).json()

    assert mine["count"] == 2
    assert [(row["id"], row["format"], row["status"]) for row in mine["results"]] == [
        (newer.pk, "xlsx", "pending"),
        (older.pk, "csv", "pending"),
    ]
    assert page["count"] == 2 and [row["id"] for row in page["results"]] == [newer.pk] and page["next"]
    assert [row["id"] for row in api(bob).get(EXPORTS).json()["results"]] == [bobs.pk]
