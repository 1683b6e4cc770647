"""CSV for German spreadsheets (issue 20): `?locale=de` gives ";" between fields and a decimal
comma; without it the file stays locale-neutral. The JSON of the API never changes."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

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
