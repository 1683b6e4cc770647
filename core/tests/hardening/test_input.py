"""Stream "input" of issue 12: bad input answers a clear 4xx naming the field, never a 500.

Item 3: dates far outside 1900-2200 and JSON nested thousands of levels deep.
Item 9 (parts): `?user=` of a missing and of a hidden person answer alike; a body over
DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 in the API's error shape.
"""

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from leave.models import HolidayCalendar, LeaveType
from timeentries.models import Project, TimeEntry

TOO_EARLY_OR_LATE_DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01"]
TOO_EARLY_OR_LATE_DATETIMES = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:30:00-01:00",
    "1899-12-31T23:59:59Z",
]
BOUND_MESSAGE = "between 1900-01-01 and 2200-12-31"


@pytest.fixture
def world(db, alice, bob, carol, dave):
    """Alice's project and one finished entry; a holiday calendar; the vacation leave type."""
    project = Project.objects.create(name="Website", code="WEB")
    entry = TimeEntry.objects.create(
        user=carol,
        project=project,
        start=datetime(2026, 3, 2, 9, tzinfo=UTC),
        end=datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    calendar = HolidayCalendar.objects.create(name="Bavaria", country="DE", subdivision="BY")
    return {
        "project": project,
        "entry": entry,
        "calendar": calendar,
        "vacation": LeaveType.objects.get(code="vacation"),
        "alice": alice,
    }


def _assert_names_the_field(response, field):
    assert response.status_code == 400, (response.status_code, response.content[:500])
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body
    assert any(BOUND_MESSAGE in message for message in body["errors"][field]), body


# Every API query parameter that is a date: (path, the other parameters, the one under test).
DATE_QUERIES = [
    ("/api/v1/time-entries", {"to": "2026-03-31"}, "from"),
    ("/api/v1/time-entries", {"from": "2026-03-01"}, "to"),
    ("/api/v1/leave/requests", {"to": "2026-03-31"}, "from"),
    ("/api/v1/leave/requests", {"from": "2026-03-01"}, "to"),
    ("/api/v1/leave/calendar", {"to": "2026-03-31"}, "from"),
    ("/api/v1/leave/calendar", {"from": "2026-03-01"}, "to"),
    ("/api/v1/leave/balances", {}, "as_of"),
    ("/api/v1/compliance/violations", {"to": "2026-03-31"}, "from"),
    ("/api/v1/compliance/violations", {"from": "2026-03-01"}, "to"),
    ("/api/v1/compliance/summary", {"to": "2026-03-31"}, "from"),
    ("/api/v1/compliance/summary", {"from": "2026-03-01"}, "to"),
    ("/api/v1/reports/time", {"to": "2026-03-31"}, "from"),
    ("/api/v1/reports/time", {"from": "2026-03-01"}, "to"),
    ("/api/v1/reports/overtime", {"to": "2026-03-31"}, "from"),
    ("/api/v1/reports/overtime", {"from": "2026-03-01"}, "to"),
    ("/api/v1/reports/leave", {}, "as_of"),
    ("/api/v1/audit-logs", {"to": "2026-03-31"}, "from"),
    ("/api/v1/audit-logs", {"from": "2026-03-01"}, "to"),
    ("/api/v1/audit-logs/changes", {"to": "2026-03-31"}, "from"),
    ("/api/v1/audit-logs/changes", {"from": "2026-03-01"}, "to"),
    ("/api/v1/search", {"q": "web", "to": "2026-03-31"}, "from"),
    ("/api/v1/search", {"q": "web", "from": "2026-03-01"}, "to"),
]


@pytest.mark.no_es
@pytest.mark.parametrize("value", TOO_EARLY_OR_LATE_DATES)
@pytest.mark.parametrize(("path", "others", "field"), DATE_QUERIES)
def test_item03_date_query_parameters_outside_1900_2200_are_400_naming_the_field(
    api, world, carol, path, others, field, value
):
    response = api(carol).get(path, {**others, field: value})
    _assert_names_the_field(response, field)


@pytest.mark.no_es
@pytest.mark.parametrize(("path", "others", "field"), DATE_QUERIES)
@pytest.mark.parametrize("value", ["1900-01-01", "2200-12-31"])
def test_item03_the_first_and_last_day_allowed_are_answered(api, world, carol, path, others, field, value):
    """At the bounds themselves nothing overflows, in a time zone on either side of UTC."""
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        carol.timezone = zone
        carol.save()
        query = {**others, "from": value, "to": value} if field in ("from", "to") else {field: value}
        response = api(carol).get(path, query)
        assert response.status_code in (200, 503), (zone, response.status_code, response.content[:300])


def test_item03_export_params_outside_1900_2200_are_400_naming_the_field(api, world, carol):
    response = api(carol).post(
        "/api/v1/exports",
        {"report": "time", "format": "csv", "params": {"from": "0001-01-01", "to": "2026-03-31"}},
        format="json",
    )
    _assert_names_the_field(response, "params.from")


@pytest.mark.parametrize("value", ["0001-W01", "9999-W52", "1899-W52", "2201-W01"])
def test_item03_timesheet_week_filter_outside_1900_2200_is_400(api, world, carol, value):
    response = api(carol).get("/api/v1/timesheets", {"week": value})
    _assert_names_the_field(response, "week")


@pytest.mark.parametrize("value", ["1", "9999", "1899", "2201"])
def test_item03_holiday_year_filter_outside_1900_2200_is_400(api, world, carol, value):
    response = api(carol).get("/api/v1/holidays", {"year": value})
    assert response.status_code == 400, response.content
    assert "year" in response.json()["errors"]


def _date_bodies(world):
    vacation, calendar = world["vacation"], world["calendar"]
    return [
        ("post", "/api/v1/leave/requests", {"type": vacation.pk, "end_date": "2026-03-03"}, "start_date"),
        ("post", "/api/v1/leave/requests", {"type": vacation.pk, "start_date": "2026-03-03"}, "end_date"),
        (
            "post",
            "/api/v1/leave/ledger",
            {"user": world["alice"].pk, "type": vacation.pk, "amount": "1.00"},
            "date",
        ),
        ("post", "/api/v1/holidays", {"calendar": calendar.pk, "name": "Made up"}, "date"),
    ]


@pytest.mark.parametrize("value", TOO_EARLY_OR_LATE_DATES)
def test_item03_date_body_fields_outside_1900_2200_are_400_naming_the_field(api, world, carol, value):
    for method, path, others, field in _date_bodies(world):
        response = getattr(api(carol), method)(path, {**others, field: value}, format="json")
        _assert_names_the_field(response, field)


@pytest.mark.parametrize("value", TOO_EARLY_OR_LATE_DATETIMES)
@pytest.mark.parametrize("field", ["start", "end"])
def test_item03_entry_start_and_end_outside_1900_2200_are_400_naming_the_field(api, world, carol, field, value):
    """Creating or moving an entry, in a zone on either side of UTC (the compliance check
    and the weekly timesheet both work in the owner's local days)."""
    entry = world["entry"]
    good = {"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z"}
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        carol.timezone = zone
        carol.save()
        created = api(carol).post(
            "/api/v1/time-entries", {"project": world["project"].pk, **good, field: value}, format="json"
        )
        _assert_names_the_field(created, field)
        moved = api(carol).patch(f"/api/v1/time-entries/{entry.pk}", {field: value}, format="json")
        _assert_names_the_field(moved, field)
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("value", TOO_EARLY_OR_LATE_DATETIMES)
def test_item03_timer_stop_outside_1900_2200_is_400_naming_the_field(api, world, carol, value):
    assert api(carol).post("/api/v1/time-entries/timer/start", {"project": world["project"].pk}).status_code == 201
    response = api(carol).post("/api/v1/time-entries/timer/stop", {"end": value}, format="json")
    _assert_names_the_field(response, "end")


# --- pages -------------------------------------------------------------------------------


@pytest.fixture
def browser_of(db):
    def client_for(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return client_for


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52", "1899-W52", "2201-W01"])
def test_item03_timesheet_pages_with_a_week_outside_1900_2200_never_500(browser_of, world, carol, week):
    carol.timezone = "Pacific/Pago_Pago"
    carol.save()
    alice = world["alice"]
    client = browser_of(carol)
    for path in ("/timesheet/", "/timesheet/team/", f"/timesheet/team/{alice.pk}/"):
        response = client.get(path, {"week": week})
        assert response.status_code in (200, 400), (path, response.status_code)
        assert "Use an ISO week" in response.content.decode()


@pytest.mark.parametrize("day", TOO_EARLY_OR_LATE_DATES)
def test_item03_timesheet_cell_with_a_day_outside_1900_2200_shows_the_error(browser_of, world, carol, day):
    """htmx gets the cell back with its error inside (200, as for any refused cell)."""
    carol.timezone = "Pacific/Pago_Pago"
    carol.save()
    response = browser_of(carol).post(
        "/timesheet/cell/", {"project": world["project"].pk, "day": day, "hours": "2"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.status_code
    assert BOUND_MESSAGE in response.content.decode()
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("day", TOO_EARLY_OR_LATE_DATES)
def test_item03_leave_pages_with_dates_outside_1900_2200_never_500(browser_of, world, carol, day):
    client = browser_of(world["alice"])
    vacation = world["vacation"].pk
    asked = client.post("/leave/", {"type": vacation, "start_date": day, "end_date": "2026-03-03"})
    assert asked.status_code == 400 and BOUND_MESSAGE in asked.content.decode()
    preview = client.get("/leave/preview/", {"type": vacation, "start_date": "2026-03-03", "end_date": day})
    assert preview.status_code == 200 and BOUND_MESSAGE in preview.content.decode()
    month = browser_of(carol).get("/leave/team/", {"month": day[:7]})
    assert month.status_code in (200, 400)
    assert "Use a month such as" in month.content.decode()


# --- JSON nested too deep ----------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 5_000, 200_000])
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_item03_json_nested_too_deep_is_400(api, world, carol, depth, opening):
    closing = "]" if opening == "[" else "}"
    body = opening * depth + "1" + closing * depth
    response = api(carol).generic("POST", "/api/v1/time-entries", body, content_type="application/json")
    assert response.status_code == 400, response.status_code
    assert response.json()["code"] == "parse_error"
    assert "nested" in response.json()["detail"]


def test_item03_json_brackets_inside_strings_and_64_levels_still_parse(api, world, carol):
    description = "[[[{{{" * 300
    nested = {"a": 1}
    for _ in range(62):
        nested = {"a": nested}
    body = {"project": world["project"].pk, "start": "2026-03-03T09:00:00Z", "end": "2026-03-03T10:00:00Z"}
    created = api(carol).post("/api/v1/time-entries", {**body, "description": description}, format="json")
    assert created.status_code == 201, created.content[:300]
    assert created.json()["description"] == description
    later = {"start": "2026-03-04T09:00:00Z", "end": "2026-03-04T10:00:00Z", "x": nested}
    deep = api(carol).post("/api/v1/time-entries", {**body, **later}, format="json")
    assert deep.status_code == 201, deep.content[:300]


# --- ?user= of someone hidden and of no one -----------------------------------------------

USER_LISTS = [
    ("/api/v1/time-entries", {}, "user"),
    ("/api/v1/timesheets", {}, "user"),
    ("/api/v1/leave/requests", {}, "user"),
    ("/api/v1/leave/ledger", {}, "user"),
    ("/api/v1/compliance/violations", {}, "user"),
    ("/api/v1/audit-logs", {}, "actor"),
    ("/api/v1/audit-logs", {}, "subject"),
    ("/api/v1/reports/time", {"from": "2026-03-01", "to": "2026-03-31", "group_by": "user"}, "user"),
    ("/api/v1/search", {"q": "Website"}, "user"),
]
ONE_PERSON = [
    ("/api/v1/leave/balances", {}),
    ("/api/v1/compliance/summary", {"from": "2026-03-01", "to": "2026-03-31"}),
    ("/api/v1/reports/overtime", {"from": "2026-03-01", "to": "2026-03-31"}),
]


@pytest.fixture
def everyone_worked(world, alice, bob, dave):
    for person in (alice, bob, dave):
        TimeEntry.objects.create(
            user=person,
            project=world["project"],
            start=datetime(2026, 3, 3, 9, tzinfo=UTC),
            end=datetime(2026, 3, 3, 17, tzinfo=UTC),
        )
    return world


@pytest.mark.no_es
@pytest.mark.parametrize(("path", "others", "parameter"), USER_LISTS)
def test_item09_list_filter_by_a_hidden_or_missing_user_answers_the_same_empty_page(
    api, everyone_worked, bob, alice, dave, path, others, parameter
):
    """Bob manages team A: dave (team B) is hidden from him, and no one has the other id."""
    missing = dave.pk + 10_000
    hidden = api(bob).get(path, {**others, parameter: dave.pk})
    absent = api(bob).get(path, {**others, parameter: missing})
    assert hidden.status_code == absent.status_code == 200, (hidden.content[:300], absent.content[:300])
    assert hidden.json() == absent.json()
    rows = hidden.json().get("results", hidden.json().get("rows"))
    assert rows == []


TEAM_LISTS = [
    ("/api/v1/time-entries", {}),
    ("/api/v1/leave/requests", {}),
    ("/api/v1/leave/calendar", {"from": "2026-03-01", "to": "2026-03-31"}),
    ("/api/v1/reports/time", {"from": "2026-03-01", "to": "2026-03-31", "group_by": "user"}),
]


@pytest.mark.parametrize(("path", "others"), TEAM_LISTS)
def test_item09_team_filter_of_a_hidden_or_missing_team_answers_the_same_empty_answer(
    api, everyone_worked, bob, dave, path, others
):
    """The `?user=` rule for teams: dave's team B is hidden from bob, and no team has the other
    id. Both answer 200 alike; neither shows dave (a missing team was a 400 before)."""
    hidden = api(bob).get(path, {**others, "team": dave.team_id})
    absent = api(bob).get(path, {**others, "team": dave.team_id + 10_000})
    assert hidden.status_code == absent.status_code == 200, (hidden.content[:300], absent.content[:300])
    assert hidden.json() == absent.json()
    assert str(dave) not in hidden.content.decode() and dave.email not in hidden.content.decode()


@pytest.mark.parametrize(("path", "others"), ONE_PERSON)
def test_item09_one_persons_figures_of_a_hidden_or_missing_user_are_the_same_404(
    api, everyone_worked, bob, dave, path, others
):
    hidden = api(bob).get(path, {**others, "user": dave.pk})
    absent = api(bob).get(path, {**others, "user": dave.pk + 10_000})
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() == absent.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.no_es
@pytest.mark.parametrize(("path", "others", "parameter"), USER_LISTS)
@pytest.mark.parametrize("value", ["abc", "1.5", "0", str(2**63)])
def test_item09_a_user_filter_that_is_no_id_is_400_naming_it(api, world, bob, path, others, parameter, value):
    response = api(bob).get(path, {**others, parameter: value})
    assert response.status_code == 400, response.content[:300]
    assert parameter in response.json()["errors"]


# --- a body over DATA_UPLOAD_MAX_MEMORY_SIZE ---------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/time-entries", "/api/v1/auth/token", "/api/v1/leave/requests"])
def test_item09_a_body_over_the_upload_limit_is_413_in_the_error_shape(api, anon, world, carol, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"email": "carol@example.com", "password": "x", "description": "x" * 10_000})
    for client in (api(carol), anon) if path == "/api/v1/auth/token" else (api(carol),):
        response = client.generic("POST", path, body, content_type="application/json")
        assert response.status_code == 413, (path, response.status_code, response.content[:300])
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "detail": "The request body is larger than 10000 bytes.",
            "code": "request_too_large",
        }
    just_fits = json.dumps({"email": "carol@example.com", "password": "x", "description": "x" * 9_000})
    assert api(carol).generic("POST", path, just_fits, content_type="application/json").status_code != 413


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_item03_admin_entry_with_a_start_outside_1900_2200_names_the_field(browser_of, world, carol, day):
    carol.timezone = "Pacific/Pago_Pago"
    carol.save()
    response = browser_of(carol).post(
        "/admin/timeentries/timeentry/add/",
        {
            "project": world["project"].pk,
            "start_0": day,
            "start_1": "00:30:00",
            "end_0": "2026-03-03",
            "end_1": "10:00:00",
        },
    )
    assert response.status_code == 200, response.status_code
    assert response.context["adminform"].form.errors["start"] == [f"Give a date {BOUND_MESSAGE}."]
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_item03_admin_dates_outside_1900_2200_name_the_field(browser_of, world, carol, day):
    """The ledger adjustment, holiday and lock period forms (all service-backed) too."""
    forms = [
        (
            "/admin/leave/leaveledgerentry/add/",
            {"user": world["alice"].pk, "leave_type": world["vacation"].pk, "amount": "1", "date": day},
            "date",
        ),
        ("/admin/leave/holiday/add/", {"calendar": world["calendar"].pk, "name": "Made up", "date": day}, "date"),
        ("/admin/timeentries/lockperiod/add/", {"locked_before": day, "note": "typo"}, "locked_before"),
    ]
    client = browser_of(carol)
    for path, data, field in forms:
        response = client.post(path, data)
        assert response.status_code == 200, (path, response.status_code)
        assert response.context["adminform"].form.errors[field] == [f"Give a date {BOUND_MESSAGE}."], path
