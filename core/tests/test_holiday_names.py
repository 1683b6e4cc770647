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
