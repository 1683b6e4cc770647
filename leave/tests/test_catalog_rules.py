"""Rules of the leave catalogue live in the models' `clean()`, so the admin and the API
refuse and normalise the same input: a carry-over expiry on a day every year has, given as
month and day together; a holiday calendar's country in capitals and its subdivision as the
holidays package spells it."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from leave.models import HolidayCalendar, LeaveType

pytestmark = pytest.mark.django_db

API_TYPES = "/api/v1/leave/types"
API_CALENDARS = "/api/v1/holiday-calendars"
ADMIN_TYPES = "/admin/leave/leavetype/"
ADMIN_CALENDARS = "/admin/leave/holidaycalendar/"
TYPE = {"name": "Training", "color": "#123456", "unit": "day", "annual_allowance": "0", "max_carry_over": "0"}


def admin_client(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def admin_type_form(code: str, **expiry) -> dict:
    return {**TYPE, "code": code, "active": "on", "tracks_balance": "on", **expiry}


def admin_calendar_form(name: str, country: str, subdivision: str) -> dict:
    return {
        "name": name,
        "country": country,
        "subdivision": subdivision,
        "holidays-TOTAL_FORMS": "0",
        "holidays-INITIAL_FORMS": "0",
    }


@pytest.mark.parametrize(
    ("expiry", "message"),
    [
        ({"carry_over_expires_month": "2", "carry_over_expires_day": "30"}, "2/30 is not a day of every year."),
        ({"carry_over_expires_month": "2", "carry_over_expires_day": "29"}, "2/29 is not a day of every year."),
        ({"carry_over_expires_month": "3"}, "Give both the month and the day the carry-over expires, or neither."),
    ],
)
def test_admin_and_api_refuse_the_same_carry_over_expiry(api, carol, password, expiry, message):
    from_api = api(carol).post(API_TYPES, {**TYPE, "code": "api", **expiry})
    assert from_api.status_code == 400
    assert from_api.json()["errors"]["carry_over_expires_day"] == [message]

    from_admin = admin_client(carol, password).post(f"{ADMIN_TYPES}add/", admin_type_form("admin", **expiry))
    assert from_admin.status_code == 200  # the form again, nothing saved
    assert from_admin.context["adminform"].form.errors["carry_over_expires_day"] == [message]
    assert not LeaveType.objects.filter(code__in=["api", "admin"]).exists()


def test_admin_and_api_accept_a_valid_carry_over_expiry(api, carol, password):
    expiry = {"carry_over_expires_month": "3", "carry_over_expires_day": "31"}
    assert api(carol).post(API_TYPES, {**TYPE, "code": "api", **expiry}).status_code == 201
    added = admin_client(carol, password).post(f"{ADMIN_TYPES}add/", admin_type_form("admin", **expiry))
    assert added.status_code == 302
    assert set(
        LeaveType.objects.filter(carry_over_expires_month=3, carry_over_expires_day=31).values_list("code", flat=True)
    ) >= {"api", "admin"}


@pytest.mark.parametrize(
    ("country", "subdivision", "saved"),
    [
        ("de", "by", ("DE", "BY")),
        (" at ", "", ("AT", "")),
        ("de", "augsburg", ("DE", "Augsburg")),
        ("xy", "North", ("XY", "North")),
    ],
)
def test_admin_and_api_normalise_a_calendars_region_alike(api, carol, password, country, subdivision, saved):
    from_api = api(carol).post(API_CALENDARS, {"name": "By API", "country": country, "subdivision": subdivision})
    assert from_api.status_code == 201, from_api.json()
    assert (from_api.json()["country"], from_api.json()["subdivision"]) == saved

    from_admin = admin_client(carol, password).post(
        f"{ADMIN_CALENDARS}add/", admin_calendar_form("By admin", country, subdivision)
    )
    assert from_admin.status_code == 302
    calendar = HolidayCalendar.objects.get(name="By admin")
    assert (calendar.country, calendar.subdivision) == saved


@pytest.mark.parametrize(
    ("country", "subdivision", "field"),
    [("DE", "ZZ", "subdivision"), ("d1", "", "country"), ("AT", "Augsburg", "subdivision")],
)
def test_admin_and_api_refuse_the_same_region(api, carol, password, country, subdivision, field):
    from_api = api(carol).post(API_CALENDARS, {"name": "By API", "country": country, "subdivision": subdivision})
    assert from_api.status_code == 400
    assert list(from_api.json()["errors"]) == [field]

    from_admin = admin_client(carol, password).post(
        f"{ADMIN_CALENDARS}add/", admin_calendar_form("By admin", country, subdivision)
    )
    assert from_admin.status_code == 200
    assert from_admin.context["adminform"].form.errors[field] == from_api.json()["errors"][field]
    assert not HolidayCalendar.objects.exists()


def test_the_import_command_spells_the_region_as_the_admin_and_the_api_do():
    """The command creates its calendar through `HolidayCalendar.clean` too: a subdivision
    the package spells in mixed case ("Augsburg") was upper-cased and then not found."""
    for _ in range(2):  # the second run finds the calendar by its region, spelt the same way
        call_command(
            "import_holidays",
            "--name",
            "Augsburg",
            "--country",
            "de",
            "--subdivision",
            "augsburg",
            "--year",
            "2026",
            stdout=io.StringIO(),
        )
    calendar = HolidayCalendar.objects.get(name="Augsburg")
    assert (calendar.country, calendar.subdivision) == ("DE", "Augsburg")
    assert calendar.holidays.filter(date="2026-08-08").exists()  # Augsburger Friedensfest
    with pytest.raises(CommandError, match=r"Cannot use 'Augsburg'.*no subdivision 'ZZ'"):
        call_command(
            "import_holidays", "--name", "Augsburg", "--country", "DE", "--subdivision", "ZZ", "--year", "2026"
        )
