"""Reports, exports and the dashboard in German: a person whose language is `de` (or whose
browser asks for it) reads German headings, errors and summaries; the numbers and the
JSON's keys stay as they are."""

import csv
import io
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

BERLIN = ZoneInfo("Europe/Berlin")
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}

pytestmark = pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_26")


@pytest.fixture
def worked_4_nov(alice, acme, log):
    log(alice, acme, datetime(2026, 11, 4, 9, tzinfo=BERLIN), datetime(2026, 11, 4, 11, tzinfo=BERLIN))


def speaks_german(user):
    user.language = "de"
    user.save(update_fields=["language"])
    return user


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_german_speakers_csv_download_has_german_headings(api, alice, worked_4_nov):
    response = api(speaks_german(alice)).get("/api/v1/reports/time", {**NOVEMBER, "group_by": "day", "format": "csv"})

    assert response.status_code == 200
    assert csv_rows(response) == [
        ["Tag", "Stunden", "Abrechenbare Stunden", "Betrag", "Einträge"],
        ["2026-11-04", "2.00", "2.00", "191.00", "1"],
    ]


def test_the_xlsx_download_follows_the_browsers_language_when_the_person_chose_none(api, alice, worked_4_nov):
    client = api(alice)
    params = {**NOVEMBER, "group_by": "project", "format": "xlsx"}

    german = load_workbook(io.BytesIO(client.get("/api/v1/reports/time", params, HTTP_ACCEPT_LANGUAGE="de").getvalue()))
    english = load_workbook(io.BytesIO(client.get("/api/v1/reports/time", params).getvalue()))

    assert german.sheetnames == ["Bericht"] and english.sheetnames == ["Report"]
    rows = [[cell.value for cell in row] for row in german.active.iter_rows()]
    assert rows[0] == ["Projekt", "Stunden", "Abrechenbare Stunden", "Betrag", "Einträge"]
    assert rows[-1] == ["Summe", 2, 2, 191, 1]
    assert next(english.active.iter_rows())[0].value == "Project"


def test_a_background_export_is_written_in_its_owners_language(
    api, alice, worked_4_nov, django_capture_on_commit_callbacks
):
    """The task has no request to ask: the file's headings follow the owner's choice."""
    client = api(speaks_german(alice))
    body = {"report": "overtime", "format": "csv", "params": {**NOVEMBER, "period": "month"}}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/exports", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    status = client.get(f"/api/v1/exports/{created.json()['id']}").json()
    header = csv_rows(client.get(status["download_url"]))[0]
    assert status["status"] == "done"
    assert header == [
        "Person",
        "Zeitraum",
        "Von",
        "Bis",
        "Sollstunden",
        "Iststunden",
        "Differenz",
        "Saldo",
        "Anfangssaldo",
    ]


@pytest.mark.parametrize(
    "language, message",
    [
        ("de", "Unbekannte Gruppierung 'weather'; möglich sind user, team, client, project, task, day, week, month."),
        ("en", "Unknown grouping 'weather'; use user, team, client, project, task, day, week, month."),
    ],
)
def test_a_report_error_names_the_field_in_the_persons_language(api, alice, language, message):
    alice.language = language
    alice.save(update_fields=["language"])

    response = api(alice).get("/api/v1/reports/time", {**NOVEMBER, "group_by": "weather"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"group_by": [message]}


def test_a_payroll_conflict_names_the_month_in_german(api, bob):
    response = api(speaks_german(bob)).get("/api/v1/reports/payroll", {"month": "2026-10"})

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Der Oktober 2026 ist für die Lohnabrechnung nicht abgeschlossen; "
        "schließen Sie ihn zuerst ab oder fragen Sie mit preliminary=true."
    )


def test_a_widgets_title_and_summary_are_cached_per_language(api, alice, worked_4_nov):
    client = api(alice)
    url = "/api/v1/analytics/widgets/month_by_project"

    english = client.get(url, {"range_days": 30}).json()
    german = client.get(url, {"range_days": 30}, HTTP_ACCEPT_LANGUAGE="de").json()

    assert (english["title"], english["summary"]) == ("This month by project", "2 hours on 1 projects.")
    assert (german["title"], german["summary"]) == ("Dieser Monat nach Projekt", "2 Stunden auf 1 Projekten.")
    assert german["datasets"][0]["label"] == "Stunden" and german["datasets"][0]["data"] == [2.0]


def test_the_reports_page_speaks_german(client, alice, worked_4_nov):
    client.force_login(speaks_german(alice))

    page = client.get("/reports/", {"report": "time", "range": "custom", **NOVEMBER, "group_by": "weather"})
    empty = client.get("/reports/", {"report": "time", "range": "custom", "from": "2026-10-01", "to": "2026-10-31"})

    assert page.status_code == 400
    assert "Unbekannte Gruppierung" in page.content.decode()
    assert "Keine Stunden für diese Filter: den Zeitraum erweitern." in empty.content.decode()


def test_the_reports_table_writes_decimals_with_a_comma_in_german(client, alice, worked_4_nov):
    client.force_login(alice)
    params = {"report": "time", "range": "custom", **NOVEMBER, "group_by": "project"}

    german = client.get("/reports/", params, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    english = client.get("/reports/", params).content.decode()

    assert ">191,00<" in german and ">191.00<" not in german
    assert ">191.00<" in english


def chart_of(html: str) -> dict:
    found = re.search(r'<script id="report-chart-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


@pytest.mark.parametrize(("language", "day"), [("de", "04.11.2026"), ("en", "11/04/2026")])
def test_the_reports_table_and_chart_write_dates_in_the_readers_format(client, alice, worked_4_nov, language, day):
    client.force_login(alice)
    params = {"report": "time", "range": "custom", **NOVEMBER, "group_by": "day"}

    html = client.get("/reports/", params, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"<td>{day}</td>" in html and "2026-11-04" not in html.split('id="report-chart-data"')[0]
    assert chart_of(html)["labels"] == [day]


def test_the_json_api_keeps_iso_dates_for_a_german_speaker(api, alice, worked_4_nov):
    rows = api(speaks_german(alice)).get("/api/v1/reports/time", {**NOVEMBER, "group_by": "day"}).json()["rows"]
    assert [row["day"] for row in rows] == ["2026-11-04"]
