"""CSV for German spreadsheets (issue 20): `?locale=de` gives ";" between fields and a decimal
comma; without it the file stays locale-neutral. The JSON of the API never changes."""

import csv
import io
import re
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from analytics.models import Export

BERLIN = ZoneInfo("Europe/Berlin")
REPORT = "/api/v1/reports/time"
ASKED = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "day", "format": "csv"}


@pytest.fixture
def worked_4_and_5_nov(alice, acme, log):
    log(alice, acme, datetime(2026, 11, 4, 9, tzinfo=BERLIN), datetime(2026, 11, 4, 10, 20, tzinfo=BERLIN))
    log(alice, acme, datetime(2026, 11, 5, 22, tzinfo=BERLIN), datetime(2026, 11, 6, 1, tzinfo=BERLIN))


def rows_of(response, delimiter: str) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))[1:]


@pytest.mark.django_db
def test_locale_de_gives_semicolons_and_decimal_commas(api, alice, worked_4_and_5_nov):
    # 1 h 20 min on the 4th (1.33 h at 95.50 = 127.33), 22:00-01:00 across midnight in Berlin.
    assert rows_of(api(alice).get(REPORT, {**ASKED, "locale": "de"}), ";") == [
        ["2026-11-04", "1,33", "1,33", "127,33", "1"],
        ["2026-11-05", "2,00", "2,00", "191,00", "1"],
        ["2026-11-06", "1,00", "1,00", "95,50", "1"],
    ]


@pytest.mark.django_db
def test_without_a_locale_the_csv_is_locale_neutral_whatever_the_persons_language(api, alice, worked_4_and_5_nov):
    alice.language = "de"
    alice.save()
    assert rows_of(api(alice).get(REPORT, ASKED), ",")[0] == ["2026-11-04", "1.33", "1.33", "127.33", "1"]
    assert rows_of(api(alice).get(REPORT, {**ASKED, "locale": "en"}), ",")[0][1] == "1.33"


@pytest.mark.django_db
def test_an_unknown_locale_is_refused_naming_the_parameter(api, alice, worked_4_and_5_nov):
    refused = api(alice).get(REPORT, {**ASKED, "locale": "fr"})
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["locale"]


# --- background exports and the reports page's control (issue 20's leftovers) ----------------

EXPORTS = "/api/v1/exports"
NOVEMBER_BY_DAY = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "day"}


def file_of(client, export_id: int) -> bytes:
    status = client.get(f"{EXPORTS}/{export_id}").json()
    assert status["status"] == "done"
    download = client.get(status["download_url"])
    return b"".join(download.streaming_content)


@pytest.mark.django_db
@pytest.mark.usefixtures("media_in_tmp")
@pytest.mark.parametrize(
    ("asked", "stored", "delimiter", "first_row"),
    [
        ({"locale": "de"}, "de", ";", ["2026-11-04", "1,33", "1,33", "127,33", "1"]),
        ({"locale": "en"}, "en", ",", ["2026-11-04", "1.33", "1.33", "127.33", "1"]),
        ({}, "", ",", ["2026-11-04", "1.33", "1.33", "127.33", "1"]),
    ],
)
def test_a_background_csv_export_takes_the_locale(
    api, alice, worked_4_and_5_nov, django_capture_on_commit_callbacks, asked, stored, delimiter, first_row
):
    client = api(alice)
    body = {"report": "time", "format": "csv", "params": NOVEMBER_BY_DAY, **asked}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(EXPORTS, body, format="json")

    assert created.status_code == 202 and created.json()["locale"] == stored
    lines = list(csv.reader(io.StringIO(file_of(client, created.json()["id"]).decode()), delimiter=delimiter))
    assert lines[1] == first_row


@pytest.mark.django_db
def test_a_background_export_refuses_an_unknown_locale_naming_it(api, alice):
    body = {"report": "time", "format": "csv", "params": NOVEMBER_BY_DAY, "locale": "fr"}
    refused = api(alice).post(EXPORTS, body, format="json")
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["locale"]


@pytest.mark.django_db
@pytest.mark.usefixtures("media_in_tmp")
@pytest.mark.parametrize(
    ("locale", "number_format", "date_format"), [("de", "#,##0.00", "dd.mm.yyyy"), ("", "0.00", "yyyy-mm-dd")]
)
def test_a_background_xlsx_export_takes_the_locales_number_and_date_formats(
    api, alice, worked_4_and_5_nov, django_capture_on_commit_callbacks, locale, number_format, date_format
):
    client = api(alice)
    body = {"report": "time", "format": "xlsx", "params": NOVEMBER_BY_DAY, "locale": locale}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(EXPORTS, body, format="json")

    day, hours = next(load_workbook(io.BytesIO(file_of(client, created.json()["id"]))).active.iter_rows(min_row=2))[:2]
    assert (day.value.date(), day.number_format) == (date(2026, 11, 4), date_format)
    assert (hours.value, hours.number_format) == (1.33, number_format)


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "offered"), [("de", "de"), ("en", "en")])
def test_the_reports_page_offers_the_readers_language_for_the_files(
    client, alice, worked_4_and_5_nov, language, offered
):
    client.force_login(speaking(alice, language))
    html = client.get("/reports/", {"report": "time", "range": "custom", **NOVEMBER_BY_DAY}).content.decode()
    control = re.search(
        r'<label for="file-locale">(.*?)</label>\s*<select id="file-locale" name="locale">(.*?)</select>', html, re.S
    )
    assert control is not None
    assert re.findall(r'<option value="(\w+)" selected>', control.group(2)) == [offered]


@pytest.mark.django_db
def test_the_pages_direct_download_follows_the_chosen_locale(client, alice, worked_4_and_5_nov):
    client.force_login(speaking(alice, "en"))
    asked = {"report": "time", **NOVEMBER_BY_DAY, "format": "csv"}
    assert rows_of(client.get("/reports/download", {**asked, "locale": "de"}), ";")[0][1] == "1,33"
    assert rows_of(client.get("/reports/download", {**asked, "locale": "en"}), ",")[0][1] == "1.33"


@pytest.mark.django_db
@pytest.mark.usefixtures("media_in_tmp")
def test_the_pages_background_export_stores_the_chosen_locale(
    client, alice, worked_4_and_5_nov, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(speaking(alice, "de"))
    query = urlencode({"report": "time", "range": "custom", **NOVEMBER_BY_DAY})
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(f"/reports/exports/?{query}", {"format": "csv", "locale": "de"})
    refused = client.post(f"/reports/exports/?{query}", {"format": "csv", "locale": "fr"}, follow=True)

    assert posted.status_code == 302
    export = Export.objects.get(owner=alice)
    assert (export.locale, export.status) == ("de", Export.Status.DONE)
    lines = list(csv.reader(io.StringIO(export.file.open("rb").read().decode()), delimiter=";"))
    assert lines[1][1] == "1,33"
    assert Export.objects.filter(owner=alice).count() == 1
    assert "Wählen Sie deutsche oder englische Zahlen und Daten für die Datei." in refused.content.decode()
