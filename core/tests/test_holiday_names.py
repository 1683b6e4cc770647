"""Holiday names in the reader's language (issue 20): the `holidays` package's own names where it
has the language, the stored name otherwise and for company days."""

from datetime import date

import pytest
from django.template import Context, Template
from django.utils import translation

from leave.models import Holiday, HolidayCalendar

NAMED = Template("{% load languages %}{{ holiday|holiday_name }}")


@pytest.fixture
def bavarian_calendar(db):
    return HolidayCalendar.objects.create(name="Bavaria", country="DE", subdivision="BY")


def shown(holiday, language: str) -> str:
    with translation.override(language):
        return NAMED.render(Context({"holiday": holiday}))


@pytest.mark.django_db
def test_an_imported_holiday_is_named_in_the_readers_language(bavarian_calendar):
    easter_monday = Holiday.objects.create(
        calendar=bavarian_calendar, date=date(2026, 4, 6), name="Ostermontag", imported=True
    )
    assert shown(easter_monday, "en") == "Easter Monday"
    assert shown(easter_monday, "de") == "Ostermontag"


@pytest.mark.django_db
def test_a_company_day_keeps_its_own_name(bavarian_calendar):
    outing = Holiday.objects.create(
        calendar=bavarian_calendar, date=date(2026, 7, 17), name="Betriebsausflug", imported=False
    )
    assert shown(outing, "en") == "Betriebsausflug"


@pytest.mark.django_db
def test_an_imported_day_the_package_no_longer_knows_keeps_its_stored_name(bavarian_calendar):
    renamed = Holiday.objects.create(
        calendar=bavarian_calendar, date=date(2026, 7, 20), name="Alter Feiertag", imported=True
    )
    assert shown(renamed, "en") == "Alter Feiertag"


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def easter_monday(bavarian_calendar, team_a):
    team_a.holiday_calendar = bavarian_calendar
    team_a.save(update_fields=["holiday_calendar"])
    return Holiday.objects.create(calendar=bavarian_calendar, date=date(2026, 4, 6), name="Ostermontag", imported=True)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "localized"), [("de", "Ostermontag"), ("en", "Easter Monday")])
def test_the_api_adds_the_name_in_the_readers_language_and_keeps_the_stored_one(
    api, alice, easter_monday, language, localized
):
    outing = Holiday.objects.create(calendar=easter_monday.calendar, date=date(2026, 4, 17), name="Betriebsausflug")
    client = api(speaking(alice, language))
    listed = client.get("/api/v1/holidays", {"calendar": easter_monday.calendar_id}).json()["results"]
    assert [(row["name"], row["name_localized"]) for row in listed] == [
        ("Ostermontag", localized),
        (outing.name, outing.name),
    ]
    month = client.get("/api/v1/leave/calendar", {"from": "2026-04-01", "to": "2026-04-30"}).json()
    assert [(row["name"], row["name_localized"]) for row in month["holidays"]] == [
        ("Ostermontag", localized),
        (outing.name, outing.name),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "cell"), [("de", "Feiertag: Ostermontag"), ("en", "Holiday: Easter Monday")])
def test_the_team_calendar_names_the_holiday_in_the_readers_language(client, bob, alice, easter_monday, language, cell):
    client.force_login(speaking(bob, language))
    page = client.get("/leave/team/", {"month": "2026-04"})
    assert page.status_code == 200
    assert cell in page.content.decode()
