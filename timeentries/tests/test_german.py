"""Time entries speak the person's language: refusals of the API in German for someone who
chose German, in English for everyone else (issue 20)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from leave.services import month_closing_create
from timeentries import services

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/time-entries"
MORNING = {"start": "2026-11-10T09:00:00Z", "end": "2026-11-10T11:00:00Z"}  # 10:00-12:00 in Berlin
LATER = {"start": "2026-11-10T10:00:00Z", "end": "2026-11-10T12:00:00Z"}


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_an_overlap_is_refused_in_the_persons_language(frozen_2026_11_12, api, alice, frank, acme):
    for person in (speaking(alice, "de"), speaking(frank, "en")):
        assert api(person).post(ENTRIES, {"project": acme.pk, **MORNING}).status_code == 201

    german = api(alice).post(ENTRIES, {"project": acme.pk, **LATER})
    english = api(frank).post(ENTRIES, {"project": acme.pk, **LATER})

    assert (german.status_code, german.json()["code"]) == (409, "overlap")
    assert german.json()["detail"] == "Überschneidet sich mit Ihrem Eintrag 10:00–12:00 am Di 10 Nov, ACME."  # noqa: RUF001
    assert english.json()["detail"] == "Overlaps your entry 10:00–12:00 on Tue 10 Nov, ACME."  # noqa: RUF001


def test_a_field_error_names_the_field_in_german(frozen_2026_11_12, api, alice, acme):
    acme.archived = True
    acme.save()

    response = api(speaking(alice, "de")).post(ENTRIES, {"project": acme.pk, **MORNING})

    assert response.status_code == 400
    assert response.json()["errors"] == {"project": ["Projekt ACME ist archiviert."]}


def test_a_submitted_week_is_refused_again_in_german(frozen_2026_11_12, api, alice, acme):
    api(speaking(alice, "de")).post(ENTRIES, {"project": acme.pk, **MORNING})
    week = api(alice).get("/api/v1/timesheets").json()["results"][0]
    api(alice).post(f"/api/v1/timesheets/{week['id']}/submit", {"comment": "Kurze Woche"})

    again = api(alice).post(f"/api/v1/timesheets/{week['id']}/submit", {"comment": "Kurze Woche"})

    assert again.status_code == 409
    assert again.json()["detail"] == "Woche 2026-W46 ist eingereicht und kann nicht eingereicht werden."


def test_a_closed_month_is_named_in_the_persons_language(frozen_2026_11_12, api, alice, frank, carol, acme):
    month_closing_create(actor=carol, month=date(2026, 10, 1))
    in_october = {"project": acme.pk, "start": "2026-10-15T07:00:00Z", "end": "2026-10-15T09:00:00Z"}

    german = api(speaking(alice, "de")).post(ENTRIES, in_october)
    english = api(speaking(frank, "en")).post(ENTRIES, in_october)

    assert (german.status_code, german.json()["code"]) == (409, "month_closed")
    assert german.json()["detail"] == (
        "Oktober 2026 ist für die Lohnabrechnung abgeschlossen; bitten Sie die Verwaltung, den Monat wieder zu öffnen."
    )
    assert (english.status_code, english.json()["code"]) == (409, "month_closed")
    assert english.json()["detail"] == "October 2026 is closed for payroll; ask an admin to reopen it."


def test_a_day_after_the_employment_is_refused_in_german(frozen_2026_11_12, api, alice, acme):
    alice.employment_end = date(2026, 10, 31)
    alice.save(update_fields=["employment_end"])

    response = api(speaking(alice, "de")).post(ENTRIES, {"project": acme.pk, **MORNING})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "start": [f"Die Beschäftigung von {alice} endete am 2026-10-31; 2026-11-10 liegt danach."]
    }


def test_a_block_ending_the_next_day_names_that_day_in_german(frozen_2026_11_12, client, alice, acme):
    berlin = ZoneInfo("Europe/Berlin")
    services.time_entry_create(
        actor=speaking(alice, "de"),
        project=acme,
        start=datetime(2026, 11, 10, 22, tzinfo=berlin),
        end=datetime(2026, 11, 11, 2, tzinfo=berlin),
    )
    client.force_login(alice)

    html = client.get("/timesheet/day/2026-11-10/").content.decode()

    assert "22:00\N{EN DASH}02:00 (Mi)" in html
