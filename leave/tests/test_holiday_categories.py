"""Issue 16.6: a holiday calendar chooses the `holidays` package's categories, not only its
public holidays. Bavaria's Assumption Day (15 August) is a holiday only in its predominantly
Catholic municipalities, so the package files it under "catholic"; Augsburg's Peace Festival
(8 August) belongs to the subdivision "Augsburg"."""

from datetime import date

import pytest
from django.urls import reverse

from core.models import AuditEvent
from leave import services
from leave.models import Holiday, HolidayCalendar

CALENDARS = "/api/v1/holiday-calendars"
ASSUMPTION = date(2026, 8, 15)
PEACE_FESTIVAL = date(2026, 8, 8)


def imported_august(calendar) -> dict[date, str]:
    return dict(Holiday.objects.filter(calendar=calendar, date__month=8).values_list("date", "name"))


@pytest.mark.django_db
def test_a_bavarian_calendar_with_the_catholic_category_imports_assumption_day(api, frozen_2026_03_02, carol):
    created = api(carol).post(
        CALENDARS, {"name": "Munich", "country": "DE", "subdivision": "BY", "categories": ["public", "catholic"]}
    )
    assert created.status_code == 201, created.json()
    assert created.json()["categories"] == ["public", "catholic"]

    answer = api(carol).post(f"{CALENDARS}/{created.json()['id']}/import", {"year": 2026})

    assert answer.status_code == 200, answer.json()
    calendar = HolidayCalendar.objects.get(pk=created.json()["id"])
    assert imported_august(calendar) == {ASSUMPTION: "Mariä Himmelfahrt"}
    # The public ones come along: Epiphany, Corpus Christi, All Saints' Day of Bavaria.
    assert {date(2026, 1, 6), date(2026, 6, 4), date(2026, 11, 1)} <= set(
        calendar.holidays.values_list("date", flat=True)
    )


@pytest.mark.django_db
def test_a_calendar_defaults_to_public_holidays_only(api, frozen_2026_03_02, carol):
    created = api(carol).post(CALENDARS, {"name": "Nuremberg", "country": "DE", "subdivision": "BY"})
    assert created.status_code == 201 and created.json()["categories"] == ["public"]

    api(carol).post(f"{CALENDARS}/{created.json()['id']}/import", {"year": 2026})

    assert imported_august(HolidayCalendar.objects.get(pk=created.json()["id"])) == {}


@pytest.mark.django_db
def test_augsburg_imports_its_peace_festival_and_assumption_day(frozen_2026_03_02, carol):
    augsburg = HolidayCalendar.objects.create(name="Augsburg", country="DE", subdivision="Augsburg")

    services.holidays_import(calendar=augsburg, year=2026, actor=carol)

    assert imported_august(augsburg) == {
        PEACE_FESTIVAL: "Augsburger Hohes Friedensfest",
        ASSUMPTION: "Mariä Himmelfahrt",
    }


@pytest.mark.django_db
def test_categories_are_checked_against_the_country(api, frozen_2026_03_02, carol):
    unknown = api(carol).post(CALENDARS, {"name": "Munich", "country": "DE", "categories": ["catholic", "bank"]})
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["categories"]
    assert "bank" in unknown.json()["detail"] and "catholic" in unknown.json()["detail"]  # names what DE has

    empty = api(carol).post(CALENDARS, {"name": "Munich", "country": "DE", "categories": []})
    assert empty.status_code == 400 and list(empty.json()["errors"]) == ["categories"]

    austria = api(carol).post(CALENDARS, {"name": "Vienna", "country": "AT", "categories": ["Public", "bank", "bank"]})
    assert austria.status_code == 201, austria.json()
    assert austria.json()["categories"] == ["public", "bank"]  # lower case, once each

    moved = api(carol).patch(f"{CALENDARS}/{austria.json()['id']}", {"country": "DE"})
    assert moved.status_code == 400 and list(moved.json()["errors"]) == ["categories"]

    # A company calendar of a country the package does not know keeps what it is given.
    custom = api(carol).post(CALENDARS, {"name": "Company", "country": "XY", "categories": ["public"]})
    assert custom.status_code == 201


@pytest.mark.django_db
def test_a_calendar_saved_with_a_category_the_package_lacks_imports_as_a_400(api, frozen_2026_03_02, carol):
    legacy = HolidayCalendar.objects.create(name="Legacy", country="DE", categories=["bogus"])

    answer = api(carol).post(f"{CALENDARS}/{legacy.pk}/import", {"year": 2026})

    assert answer.status_code == 400 and list(answer.json()["errors"]) == ["categories"]


@pytest.mark.django_db
def test_the_admin_shows_and_saves_the_categories(client, frozen_2026_03_02, carol):
    client.force_login(carol)
    url = reverse("admin:leave_holidaycalendar_add")
    inline = {"holidays-TOTAL_FORMS": "0", "holidays-INITIAL_FORMS": "0"}

    refused = client.post(
        url, {"name": "Munich", "country": "DE", "subdivision": "BY", "categories": "public, bank", **inline}
    )
    assert refused.status_code == 200
    assert "bank" in refused.context["adminform"].form.errors["categories"][0]

    saved = client.post(
        url, {"name": "Munich", "country": "DE", "subdivision": "BY", "categories": "public, catholic", **inline}
    )
    assert saved.status_code == 302
    calendar = HolidayCalendar.objects.get(name="Munich")
    assert calendar.categories == ["public", "catholic"]

    listed = client.get(reverse("admin:leave_holidaycalendar_changelist"))
    assert "public, catholic" in listed.content.decode()
    change = client.get(reverse("admin:leave_holidaycalendar_change", args=[calendar.pk]))
    assert 'value="public, catholic"' in change.content.decode()


@pytest.mark.django_db
def test_dropping_a_category_and_importing_again_removes_its_holidays_but_keeps_company_days(
    api, frozen_2026_03_02, carol
):
    created = api(carol).post(
        CALENDARS, {"name": "Munich", "country": "DE", "subdivision": "BY", "categories": ["public", "catholic"]}
    )
    calendar_url = f"{CALENDARS}/{created.json()['id']}"
    api(carol).post(f"{calendar_url}/import", {"year": 2026})
    calendar = HolidayCalendar.objects.get(pk=created.json()["id"])
    company_day = date(2026, 8, 14)
    services.holiday_create(calendar=calendar, day=company_day, name="Summer party", actor=carol)
    public_days = set(calendar.holidays.exclude(date__month=8).values_list("date", flat=True))

    assert api(carol).patch(calendar_url, {"categories": ["public"]}).status_code == 200
    again = api(carol).post(f"{calendar_url}/import", {"year": 2026})

    assert again.status_code == 200, again.json()
    assert (again.json()["created"], again.json()["removed"]) == (0, 1)
    assert imported_august(calendar) == {company_day: "Summer party"}
    assert set(calendar.holidays.exclude(date__month=8).values_list("date", flat=True)) == public_days
    event = AuditEvent.objects.filter(action="holidays_imported").latest("pk")
    assert event.data["removed"] == [ASSUMPTION.isoformat()]
