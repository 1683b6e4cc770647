"""The leave API as its clients use it: requests and decisions, balances and the ledger,
holiday calendars and the team calendar."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from leave import services
from leave.models import Holiday, HolidayCalendar, LeaveLedgerEntry, LeaveRequest, LeaveType
from leave.serializers import LeaveRequestSerializer
from users.tests.factories import UserFactory

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 2 March 2026
TYPES = "/api/v1/leave/types"
REQUESTS = "/api/v1/leave/requests"
BALANCES = "/api/v1/leave/balances"
LEDGER = "/api/v1/leave/ledger"
CALENDARS = "/api/v1/holiday-calendars"
HOLIDAYS = "/api/v1/holidays"
CALENDAR = "/api/v1/leave/calendar"


def ask(client, leave_type, start, end, **extra):
    body = {"type": leave_type.pk, "start_date": start, "end_date": end, **extra}
    return client.post(REQUESTS, body)


def approved(alice, bob, leave_type, start, end, **extra):
    request = services.leave_request_create(
        actor=alice,
        leave_type=leave_type,
        start_date=date.fromisoformat(start),
        end_date=date.fromisoformat(end),
        **extra,
    )
    return services.leave_request_approve(request_id=request.pk, actor=bob)


def vacation_balance(client, **params):
    response = client.get(BALANCES, params)
    assert response.status_code == 200, response.json()
    return next(row for row in response.json()["balances"] if row["type_code"] == "vacation")


# --- requests ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_working_days_leave_out_the_weekend_and_holidays_and_half_days_count_half(
    api, funded, bavaria, vacation, carol
):
    services.holiday_create(calendar=bavaria, day=date(2026, 3, 9), name="Company day", actor=carol)
    # Friday 6 to Tuesday 10 March: Friday and Tuesday; the weekend and Monday's holiday are free.
    response = ask(api(funded), vacation, "2026-03-06", "2026-03-10", reason="Family")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["working_days"], body["hours"], body["status"]) == ("2.0", "16.00", "pending")
    assert (body["user"], body["user_email"], body["type"], body["type_name"]) == (
        funded.pk,
        "alice@example.com",
        vacation.pk,
        "Vacation",
    )
    half = ask(api(funded), vacation, "2026-03-11", "2026-03-12", start_half="afternoon")
    assert half.status_code == 201, half.json()
    assert half.json()["working_days"] == "1.5"
    assert half.json()["start_half"] == "afternoon" and half.json()["end_half"] == ""


@pytest.mark.django_db
def test_the_body_cannot_set_the_owner_or_the_status(api, funded, vacation, dave):
    response = ask(api(funded), vacation, "2026-03-16", "2026-03-16", user=dave.pk, status="approved", working_days="0")
    assert response.status_code == 201, response.json()
    created = LeaveRequest.objects.get(pk=response.json()["id"])
    assert (created.user, created.status, created.working_days) == (funded, "pending", 1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_date": "2026-03-10", "end_date": "2026-03-09"}, "end_date"),
        ({"type": 999_999}, "type"),
        ({"type": "vacation"}, "type"),
        ({"start_date": "garbage"}, "start_date"),
        ({"start_date": "2026-02-30", "end_date": "2026-03-02"}, "start_date"),
        ({"start_date": "3026-03-09", "end_date": "3026-03-09"}, "start_date"),
        ({"start_date": "2026-03-07", "end_date": "2026-03-08"}, "start_date"),  # a weekend only
        ({"start_half": "evening"}, "start_half"),
        ({"start_half": None}, "start_half"),
        ({"start_half": "afternoon", "end_half": "morning"}, "end_half"),  # one day, both halves
        ({"reason": "x" * 2001}, "reason"),
    ],
)
@pytest.mark.django_db
def test_bad_requests_answer_400_naming_the_field(api, funded, vacation, body, field):
    full = {"type": vacation.pk, "start_date": "2026-03-09", "end_date": "2026-03-09", **body}
    response = api(funded).post(REQUESTS, full)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not LeaveRequest.objects.exists()


@pytest.mark.django_db
def test_missing_fields_and_malformed_bodies_are_400(api, funded):
    missing = api(funded).post(REQUESTS, {})
    assert missing.status_code == 400
    assert {"type", "start_date", "end_date"} <= set(missing.json()["errors"])
    assert api(funded).post(REQUESTS, [1, 2], format="json").status_code == 400
    not_json = api(funded).post(REQUESTS, "{not json", content_type="application/json")
    assert not_json.status_code == 400 and not_json.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_half_days_on_a_type_without_them_and_inactive_types_are_refused(api, funded):
    training = LeaveType.objects.create(name="Training", code="training", tracks_balance=False, half_days_allowed=False)
    half = ask(api(funded), training, "2026-03-09", "2026-03-10", start_half="afternoon")
    assert half.status_code == 400 and list(half.json()["errors"]) == ["start_half"]
    training.active = False
    training.save()
    inactive = ask(api(funded), training, "2026-03-09", "2026-03-10")
    assert inactive.status_code == 400 and "type" in inactive.json()["errors"]


@pytest.mark.django_db
def test_overlap_with_own_pending_request_is_409_but_the_other_half_day_is_free(api, funded, vacation):
    assert ask(api(funded), vacation, "2026-03-16", "2026-03-18", end_half="morning").status_code == 201
    clash = ask(api(funded), vacation, "2026-03-17", "2026-03-19")
    assert clash.status_code == 409 and clash.json()["code"] == "overlap"
    afternoon = ask(api(funded), vacation, "2026-03-18", "2026-03-19", start_half="afternoon")
    assert afternoon.status_code == 201, afternoon.json()


@pytest.mark.django_db
def test_insufficient_balance_is_400_on_end_date_saying_what_is_left(api, funded, vacation):
    assert ask(api(funded), vacation, "2026-03-09", "2026-03-13").status_code == 201  # 5 days pending
    # 6 April to 15 May is 30 working days; 20 are left after the pending 5.
    response = ask(api(funded), vacation, "2026-04-06", "2026-05-15")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["end_date"]
    assert "20" in response.json()["detail"] and "available" in response.json()["detail"]


@pytest.mark.django_db
def test_requests_cannot_be_edited_or_deleted(api, funded, vacation):
    created = ask(api(funded), vacation, "2026-03-09", "2026-03-09").json()
    for method in ("put", "patch", "delete"):
        response = getattr(api(funded), method)(f"{REQUESTS}/{created['id']}", {"end_date": "2026-03-10"})
        assert response.status_code == 405, method


@pytest.mark.parametrize(
    "query",
    [
        {"from": "garbage"},
        {"to": "2026-02-31"},
        {"status": "maybe"},
        {"user": "abc"},
        {"user": str(10**30)},
        {"type": "-1"},
        {"team": str(10**30)},
    ],
)
@pytest.mark.django_db
def test_garbage_query_parameters_are_400_naming_them(api, funded, query):
    response = api(funded).get(REQUESTS, query)
    assert response.status_code == 400, response.json()
    assert set(response.json()["errors"]) == set(query)


@pytest.mark.django_db
def test_malformed_paths_and_pages_never_crash(api, funded, bob):
    for path in (f"{REQUESTS}/abc", f"{REQUESTS}/{10**30}", f"{REQUESTS}/{10**30}/approve"):
        method = api(bob).post if path.endswith("approve") else api(bob).get
        assert method(path).status_code == 404, path
    assert api(funded).get(REQUESTS, {"page": "abc"}).status_code == 404
    clamped = api(funded).get(REQUESTS, {"page_size": "100000"})
    assert clamped.status_code == 200 and clamped.json()["count"] == 0


@pytest.mark.django_db
def test_list_is_scoped_paginated_and_filtered(api, funded, bob, dave, erin, vacation, sick):
    mine = ask(api(funded), vacation, "2026-03-09", "2026-03-10").json()
    ask(api(funded), sick, "2026-04-01", "2026-04-01")
    daves = ask(api(dave), sick, "2026-03-09", "2026-03-09").json()

    assert [r["id"] for r in api(dave).get(REQUESTS).json()["results"]] == [daves["id"]]
    assert {r["user"] for r in api(bob).get(REQUESTS).json()["results"]} == {funded.pk}
    assert api(dave).get(f"{REQUESTS}/{mine['id']}").status_code == 404

    listed = api(bob).get(REQUESTS, {"type": vacation.pk}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == mine["id"]
    # A request matches when it overlaps [from, to].
    assert api(bob).get(REQUESTS, {"from": "2026-03-10", "to": "2026-03-31"}).json()["count"] == 1
    assert api(bob).get(REQUESTS, {"from": "2026-03-11", "to": "2026-03-31"}).json()["count"] == 0
    assert api(bob).get(REQUESTS, {"status": "approved"}).json()["count"] == 1  # sick leave needs no approval
    assert api(bob).get(REQUESTS, {"user": dave.pk}).json()["count"] == 0
    assert api(erin).get(REQUESTS, {"team": dave.team_id}).json()["count"] == 1


# --- decisions -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_approve_reject_and_cancel_follow_the_scoping_matrix(api, funded, bob, erin, vacation):
    assert vacation_balance(api(funded))["left"] == "25.00"
    request = ask(api(funded), vacation, "2026-03-09", "2026-03-13").json()
    url = f"{REQUESTS}/{request['id']}"

    own = api(funded).post(f"{url}/approve")
    assert own.status_code == 403 and own.json()["code"] == "permission_denied"
    assert api(erin).post(f"{url}/approve").status_code == 404
    assert api(erin).post(f"{url}/cancel").status_code == 404

    response = api(bob).post(f"{url}/approve", {"comment": "Enjoy"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["decided_by"], body["decision_comment"]) == ("approved", bob.pk, "Enjoy")
    assert body["decided_at"] is not None

    again = api(bob).post(f"{url}/approve")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"
    assert api(bob).post(f"{url}/reject", {"comment": "No"}).status_code == 409

    ledger = api(funded).get(LEDGER, {"type": vacation.pk}).json()["results"]
    debit = next(row for row in ledger if row["kind"] == "debit")
    assert (debit["amount"], debit["request"], debit["date"], debit["type"]) == (
        "-5.00",
        request["id"],
        "2026-03-09",
        vacation.pk,
    )
    balance = vacation_balance(api(funded))
    assert (balance["left"], balance["planned"], balance["pending"]) == ("20.00", "5.00", "0.00")

    # Approved leave that has not started: Alice cancels it herself and gets the days back.
    cancelled = api(funded).post(f"{url}/cancel", {"comment": "Plans changed"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    credit = next(row for row in api(funded).get(LEDGER).json()["results"] if row["kind"] == "credit")
    assert (credit["amount"], credit["request"]) == ("5.00", request["id"])
    assert vacation_balance(api(funded))["left"] == "25.00"
    assert api(funded).post(f"{url}/cancel").status_code == 409


@pytest.mark.django_db
def test_reject_needs_a_comment(api, funded, bob, vacation):
    request = ask(api(funded), vacation, "2026-03-09", "2026-03-09").json()
    url = f"{REQUESTS}/{request['id']}/reject"
    for body in ({}, {"comment": "   "}):
        response = api(bob).post(url, body)
        assert response.status_code == 400 and list(response.json()["errors"]) == ["comment"]
    assert api(bob).post(url, [1], format="json").status_code == 400
    rejected = api(bob).post(url, {"comment": "Release week"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert vacation_balance(api(funded))["left"] == "25.00"
    assert not LeaveLedgerEntry.objects.filter(kind="debit").exists()


@pytest.mark.django_db
def test_sick_leave_is_approved_at_once_without_a_ledger_row(api, funded, sick):
    response = ask(api(funded), sick, "2026-03-03", "2026-03-04")
    assert response.status_code == 201
    assert response.json()["status"] == "approved"
    assert not LeaveLedgerEntry.objects.filter(request_id=response.json()["id"]).exists()


@pytest.mark.django_db
def test_started_leave_can_only_be_cancelled_by_the_manager(api, funded, bob, vacation, frozen_2026_03_02):
    request = approved(funded, bob, vacation, "2026-03-03", "2026-03-04")
    frozen_2026_03_02.move_to(datetime(2026, 3, 3, 12, tzinfo=UTC))
    url = f"{REQUESTS}/{request.pk}/cancel"
    assert api(funded).post(url).status_code == 403
    assert api(bob).post(url, {"comment": "Came back early"}).json()["status"] == "cancelled"


@pytest.mark.django_db
def test_requesting_mails_the_manager_and_deciding_mails_the_requester(
    api, funded, bob, vacation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = ask(api(funded), vacation, "2026-03-09", "2026-03-10")
    assert created.status_code == 201
    assert [message.to for message in mail.outbox] == [["bob@example.com"]]
    assert "Vacation" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        api(bob).post(f"{REQUESTS}/{created.json()['id']}/approve")
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["alice@example.com"] and "approved" in mail.outbox[1].subject


# --- balances and ledger ---------------------------------------------------------------------


@pytest.mark.django_db
def test_balances_are_scoped_like_users(api, funded, bob, dave, carol):
    own = api(funded).get(BALANCES).json()
    assert (own["user"], own["as_of"]) == (funded.pk, "2026-03-02")
    vacation_row = next(row for row in own["balances"] if row["type_code"] == "vacation")
    assert vacation_row["entitlement"] == "25.00" and vacation_row["unit"] == "day"
    # sick keeps no balance; compensatory time draws on the working-time account instead
    assert {row["type_code"] for row in own["balances"]} == {"vacation"}

    assert api(funded).get(BALANCES, {"user": dave.pk}).status_code == 404
    assert api(funded).get(BALANCES, {"user": 10**30}).status_code == 400
    assert api(bob).get(BALANCES, {"user": funded.pk}).json()["user"] == funded.pk
    assert api(bob).get(BALANCES, {"user": dave.pk}).status_code == 404
    assert api(carol).get(BALANCES, {"user": dave.pk}).status_code == 200

    bad = api(funded).get(BALANCES, {"as_of": "2026-13-01"})
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["as_of"]
    last_year = api(funded).get(BALANCES, {"as_of": "2025-12-31"}).json()
    assert last_year["as_of"] == "2025-12-31"
    assert next(row for row in last_year["balances"] if row["type_code"] == "vacation")["entitlement"] == "0.00"


@pytest.mark.django_db
def test_only_admins_adjust_the_ledger_and_always_with_a_note(api, funded, bob, carol, dave, vacation):
    body = {"user": funded.pk, "type": vacation.pk, "amount": "2.5", "date": "2026-03-02"}
    assert api(bob).post(LEDGER, {**body, "note": "Overtime"}).status_code == 403
    assert api(funded).post(LEDGER, {**body, "note": "Overtime"}).status_code == 403

    no_note = api(carol).post(LEDGER, body)
    assert no_note.status_code == 400 and list(no_note.json()["errors"]) == ["note"]
    zero = api(carol).post(LEDGER, {**body, "amount": "0", "note": "Nothing"})
    assert zero.status_code == 400 and list(zero.json()["errors"]) == ["amount"]
    for bad in ({"amount": "NaN"}, {"amount": "1e400"}, {"user": 999_999}, {"date": "soon"}, {"type": "x"}):
        response = api(carol).post(LEDGER, {**body, **bad, "note": "x"})
        assert response.status_code == 400 and set(bad) <= set(response.json()["errors"]), response.json()

    response = api(carol).post(LEDGER, {**body, "note": "Overtime compensation"})
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["amount"], response.json()["note"]) == (
        "adjustment",
        "2.50",
        "Overtime compensation",
    )
    assert vacation_balance(api(funded))["left"] == "27.50"


@pytest.mark.django_db
def test_ledger_is_scoped_and_paginated(api, funded, bob, dave, carol, vacation):
    alices = api(funded).get(LEDGER).json()
    assert alices["count"] >= 1 and {row["type"] for row in alices["results"]} <= {
        vacation.pk,
        LeaveType.objects.get(code="comp-time").pk,
    }
    assert all(row["kind"] == "accrual" for row in alices["results"])
    daves_row = LeaveLedgerEntry.objects.filter(user=dave).first()
    assert api(funded).get(f"{LEDGER}/{daves_row.pk}").status_code == 404
    assert api(funded).get(LEDGER, {"user": dave.pk}).json()["count"] == 0
    assert api(bob).get(LEDGER, {"user": funded.pk}).json()["count"] == alices["count"]
    assert api(bob).get(LEDGER, {"user": dave.pk}).json()["count"] == 0
    assert api(carol).get(LEDGER, {"user": dave.pk}).json()["count"] >= 1
    assert api(carol).get(LEDGER, {"page_size": 1}).json()["next"] is not None
    assert api(carol).get(LEDGER, {"kind": "bogus"}).status_code == 400


# --- leave types -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_everyone_reads_active_types_and_admins_write_them(api, funded, carol):
    codes = {row["code"] for row in api(funded).get(TYPES).json()["results"]}
    assert codes == {"vacation", "sick", "unpaid", "comp-time"}

    body = {"name": "Training", "code": "training", "color": "#123456", "tracks_balance": False}
    assert api(funded).post(TYPES, body).status_code == 403
    created = api(carol).post(TYPES, body)
    assert created.status_code == 201, created.json()
    assert created.json()["unit"] == "day"
    duplicate = api(carol).post(TYPES, body)
    assert duplicate.status_code == 400 and "code" in duplicate.json()["errors"]
    bad_colour = api(carol).post(TYPES, {**body, "code": "other", "color": "red"})
    assert bad_colour.status_code == 400 and "color" in bad_colour.json()["errors"]
    half_expiry = api(carol).post(TYPES, {**body, "code": "other", "carry_over_expires_month": 3})
    assert half_expiry.status_code == 400 and "carry_over_expires_day" in half_expiry.json()["errors"]
    impossible = api(carol).post(
        TYPES, {**body, "code": "other", "carry_over_expires_month": 2, "carry_over_expires_day": 30}
    )
    assert impossible.status_code == 400 and "carry_over_expires_day" in impossible.json()["errors"]

    url = f"{TYPES}/{created.json()['id']}"
    assert api(funded).patch(url, {"active": False}).status_code == 403
    assert api(carol).patch(url, {"active": False}).json()["active"] is False
    assert "training" not in {row["code"] for row in api(funded).get(TYPES).json()["results"]}
    assert api(funded).get(url).status_code == 404
    assert api(carol).get(TYPES, {"active": "false"}).json()["count"] == 1
    assert api(carol).delete(url).status_code == 204

    in_use = LeaveType.objects.get(code="vacation")
    assert api(carol).delete(f"{TYPES}/{in_use.pk}").status_code == 409  # the ledger refers to it


# --- holiday calendars -------------------------------------------------------------------------


@pytest.mark.django_db
def test_admins_import_public_holidays_once(api, frozen_2026_03_02, alice, carol):
    created = api(carol).post(CALENDARS, {"name": "Munich", "country": "de", "subdivision": "by"})
    assert created.status_code == 201, created.json()
    assert (created.json()["country"], created.json()["subdivision"]) == ("DE", "BY")
    url = f"{CALENDARS}/{created.json()['id']}/import"

    assert api(alice).post(url, {"year": 2026}).status_code == 403
    assert api(alice).post(CALENDARS, {"name": "Mine", "country": "DE"}).status_code == 403
    first = api(carol).post(url, {"year": 2026})
    assert first.status_code == 200, first.json()
    assert first.json()["created"] > 10
    assert len(first.json()["holidays"]) == first.json()["created"]
    assert {"date": "2026-01-06", "imported": True}.items() <= next(
        h for h in first.json()["holidays"] if h["date"] == "2026-01-06"
    ).items()
    again = api(carol).post(url, {"year": 2026})
    assert again.json() == {"created": 0, "removed": 0, "holidays": []}

    listed = api(alice).get(HOLIDAYS, {"calendar": created.json()["id"], "year": 2026}).json()
    assert listed["count"] == first.json()["created"]
    assert api(alice).get(HOLIDAYS, {"year": 2025}).json()["count"] == 0
    for bad in ({"year": "soon"}, {"year": 10**30}, {"calendar": "x"}):
        assert api(alice).get(HOLIDAYS, bad).status_code == 400, bad

    for body in ({}, {"year": "soon"}, {"year": 1200}):
        response = api(carol).post(url, body)
        assert response.status_code == 400 and list(response.json()["errors"]) == ["year"]


@pytest.mark.django_db
def test_unknown_country_or_subdivision_is_400(api, frozen_2026_03_02, carol):
    nowhere = api(carol).post(CALENDARS, {"name": "Nowhere", "country": "XX"}).json()
    response = api(carol).post(f"{CALENDARS}/{nowhere['id']}/import", {"year": 2026})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["country"]

    atlantis = api(carol).post(CALENDARS, {"name": "Atlantis", "country": "DE", "subdivision": "ZZ"})
    assert atlantis.status_code == 400 and list(atlantis.json()["errors"]) == ["subdivision"]
    # Saved before the check (admin, shell): the import still answers 400, not 500.
    legacy = HolidayCalendar.objects.create(name="Legacy", country="DE", subdivision="ZZ")
    assert api(carol).post(f"{CALENDARS}/{legacy.pk}/import", {"year": 2026}).status_code == 400
    augsburg = api(carol).post(CALENDARS, {"name": "Augsburg", "country": "de", "subdivision": "augsburg"})
    assert augsburg.status_code == 201 and augsburg.json()["subdivision"] == "Augsburg"
    renamed = api(carol).patch(f"{CALENDARS}/{augsburg.json()['id']}", {"country": "AT"})
    assert renamed.status_code == 400 and "subdivision" in renamed.json()["errors"]
    custom = api(carol).post(CALENDARS, {"name": "Company", "country": "XY", "subdivision": "North"})
    assert custom.status_code == 201 and custom.json()["subdivision"] == "North"

    bad = api(carol).post(CALENDARS, {"name": "Bad", "country": "Germany"})
    assert bad.status_code == 400 and "country" in bad.json()["errors"]
    duplicate = api(carol).post(CALENDARS, {"name": "Nowhere", "country": "DE"})
    assert duplicate.status_code == 400 and "name" in duplicate.json()["errors"]


@pytest.mark.django_db
def test_a_holiday_inside_approved_leave_gives_the_day_back(api, funded, bob, carol, bavaria, vacation):
    request = approved(funded, bob, vacation, "2026-03-09", "2026-03-13")
    assert request.working_days == 5
    body = {"calendar": bavaria.pk, "date": "2026-03-11", "name": "Company day"}

    assert api(funded).post(HOLIDAYS, body).status_code == 403
    created = api(carol).post(HOLIDAYS, body)
    assert created.status_code == 201, created.json()
    assert api(carol).post(HOLIDAYS, body).status_code == 409

    assert api(funded).get(f"{REQUESTS}/{request.pk}").json()["working_days"] == "4.0"
    adjustment = next(row for row in api(funded).get(LEDGER).json()["results"] if row["kind"] == "adjustment")
    assert (adjustment["amount"], adjustment["request"]) == ("1.00", request.pk)
    assert vacation_balance(api(funded), as_of="2026-03-31")["left"] == "21.00"

    holiday_url = f"{HOLIDAYS}/{created.json()['id']}"
    assert api(funded).delete(holiday_url).status_code == 403
    assert api(carol).patch(holiday_url, {"name": "Renamed"}).status_code == 405
    assert api(carol).delete(holiday_url).status_code == 204
    assert api(funded).get(f"{REQUESTS}/{request.pk}").json()["working_days"] == "5.0"
    assert vacation_balance(api(funded), as_of="2026-03-31")["left"] == "20.00"
    assert not Holiday.objects.exists()


@pytest.mark.django_db
def test_holiday_bodies_are_validated(api, frozen_2026_03_02, carol, bavaria):
    for bad, field in (
        ({"date": "2026-02-30"}, "date"),
        ({"calendar": 999_999}, "calendar"),
        ({"name": ""}, "name"),
        ({"date": "0001-01-01"}, "date"),
    ):
        body = {"calendar": bavaria.pk, "date": "2026-12-24", "name": "Christmas Eve", **bad}
        response = api(carol).post(HOLIDAYS, body)
        assert response.status_code == 400 and field in response.json()["errors"], response.json()


# --- team calendar -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_calendar_shows_the_absences_the_requester_may_see(api, funded, bob, carol, dave, bavaria, vacation, sick):
    services.holiday_create(calendar=bavaria, day=date(2026, 3, 19), name="St Joseph", actor=carol)
    alices = approved(funded, bob, vacation, "2026-03-09", "2026-03-10", end_half="morning")
    pending = ask(api(funded), vacation, "2026-03-23", "2026-03-23").json()
    daves = ask(api(dave), sick, "2026-03-09", "2026-03-09").json()
    ask(api(funded), vacation, "2026-05-04", "2026-05-04")  # outside the range

    response = api(bob).get(CALENDAR, {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    assert [item["id"] for item in body["absences"]] == [alices.pk, pending["id"]]
    first = body["absences"][0]
    assert first == {
        "id": alices.pk,
        "user": funded.pk,
        "user_name": str(funded),
        "type": vacation.pk,
        "type_name": "Vacation",
        "color": vacation.color,
        "type_hidden": False,
        "start_date": "2026-03-09",
        "end_date": "2026-03-10",
        "start_half": "",
        "end_half": "morning",
        "status": "approved",
    }
    assert body["absences"][1]["status"] == "pending"
    assert body["holidays"] == [
        {"date": "2026-03-19", "name": "St Joseph", "name_localized": "St Joseph", "half_day": False}
    ]

    everyone = api(carol).get(CALENDAR, {"from": "2026-03-01", "to": "2026-03-31"}).json()
    assert {item["id"] for item in everyone["absences"]} == {alices.pk, pending["id"], daves["id"]}
    assert everyone["holidays"] == []  # carol has no team, so no holiday calendar
    team_b = api(carol).get(CALENDAR, {"from": "2026-03-01", "to": "2026-03-31", "team": dave.team_id}).json()
    assert [item["id"] for item in team_b["absences"]] == [daves["id"]]
    assert [
        item["id"] for item in api(dave).get(CALENDAR, {"from": "2026-03-01", "to": "2026-03-31"}).json()["absences"]
    ] == [daves["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"to": "2026-03-31"}, "from"),
        ({"from": "2026-03-01"}, "to"),
        ({"from": "garbage", "to": "2026-03-31"}, "from"),
        ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, "to"),  # 367 days
        ({"from": "2026-03-01", "to": "2026-03-31", "team": "x"}, "team"),
        ({"from": "2026-03-01", "to": "2026-03-31", "team": str(10**30)}, "team"),
    ],
)
@pytest.mark.django_db
def test_calendar_range_is_required_and_bounded(api, funded, query, field):
    response = api(funded).get(CALENDAR, query)
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()


@pytest.mark.django_db
def test_calendar_accepts_a_whole_leap_year(api, funded):
    assert api(funded).get(CALENDAR, {"from": "2028-01-01", "to": "2028-12-31"}).status_code == 200


@pytest.mark.django_db
def test_every_leave_endpoint_needs_sign_in(anon, db):
    for path in (TYPES, REQUESTS, BALANCES, LEDGER, CALENDARS, HOLIDAYS, CALENDAR, "/api/v1/leave/calendar-feeds"):
        assert anon.get(path).status_code == 401, path


# --- query counts ------------------------------------------------------------------------------


def _fill(team, leave_type, count):
    for _ in range(count):
        user = UserFactory(team=team)
        services.leave_request_create(
            actor=user, leave_type=leave_type, start_date=date(2026, 3, 9), end_date=date(2026, 3, 10)
        )


@pytest.mark.django_db
def test_listing_requests_takes_a_constant_number_of_queries(
    api, funded, bob, carol, team_a, sick, django_assert_max_num_queries
):
    counts = []
    for size in (2, 12):
        _fill(team_a, sick, size - LeaveRequest.objects.count())
        for client in (api(bob), api(carol)):
            with django_assert_max_num_queries(4) as captured:
                response = client.get(REQUESTS)
            assert response.json()["count"] == size
            counts.append(len(captured.captured_queries))
    assert counts[:2] == counts[2:]


@pytest.mark.django_db
def test_a_listed_page_joins_only_the_person_and_the_leave_type(api, carol, team_a, sick):
    """The list shows the person's email and the type's name; the person's team and the
    decider (an id) are not read, so the page's query joins two tables, not four."""
    _fill(team_a, sick, 3)
    with CaptureQueriesContext(connection) as captured:
        body = api(carol).get(REQUESTS).json()
    [page] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "leave_leaverequest"."id"')]
    assert page.count(" JOIN ") == 2 and "users_team" not in page
    for row in body["results"]:
        listed = LeaveRequest.objects.select_related("user", "leave_type").get(pk=row["id"])
        assert (row["user_email"], row["type_name"]) == (listed.user.email, listed.leave_type.name)
        assert row["decided_by"] == listed.decided_by_id


@pytest.mark.django_db
def test_a_request_is_written_field_for_field_as_drfs_own_serializer_writes_it(bob, team_a, sick):
    """LeaveRequestSerializer reads its fields the short way (core.serializers.ShortReadsMixin):
    the same keys in the same order with the same values as DRF's own, decided or not."""
    _fill(team_a, sick, 3)
    pending = LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING).first()
    if pending is not None:
        services.leave_request_reject(request_id=pending.pk, actor=bob, comment="Team event")
    with timezone.override(ZoneInfo("America/New_York")):
        for listed in LeaveRequest.objects.all():
            generic = serializers.Serializer.to_representation(LeaveRequestSerializer(), listed)
            assert list(LeaveRequestSerializer(listed).data.items()) == list(generic.items())


@pytest.mark.django_db
def test_approving_takes_a_constant_number_of_queries(
    api, funded, bob, team_a, vacation, django_assert_max_num_queries
):
    short = ask(api(funded), vacation, "2026-03-09", "2026-03-09").json()
    long = ask(api(funded), vacation, "2026-04-06", "2026-04-24").json()
    client, counts = api(bob), []
    for request in (short, long):
        # 22: three ask whether the request's days are closed (payroll lock date, closed
        # months, submitted or approved weeks, locked for the write as entries do), one
        # whether a carry-over expired that the daily job has not booked yet (its lapse
        # counts), one writes the outbox row that has compliance re-judge the averages
        with django_assert_max_num_queries(22) as captured:
            response = client.post(f"{REQUESTS}/{request['id']}/approve")
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
        _fill(team_a, LeaveType.objects.get(code="unpaid"), 10)
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_pending_leave_counts_against_the_years_it_falls_in(api, funded, vacation):
    """With 2027 booked ahead (25 days and 5 carried over), leave pending in 2027 is paid
    from 2027 and does not block 2026's; but what 2026 takes is missing from 2027 too. (She
    was told what lapses, so New Year carries 5 over.)"""
    services.leave_forfeiture_notice_record(user=funded, leave_type=vacation, year=2026, actor=None)
    services.leave_accrue_year(year=2027)
    client = api(funded)
    # 4 to 22 January 2027: 15 days pending, 15 of 2027's 30 left.
    assert ask(client, vacation, "2027-01-04", "2027-01-22").status_code == 201
    # 1 to 16 June 2026, 12 days: 2026 has 25; 2027 keeps 30 - 15 - 12 = 3.
    accepted = ask(client, vacation, "2026-06-01", "2026-06-16")
    assert accepted.status_code == 201, accepted.json()

    refused = ask(client, vacation, "2026-07-06", "2026-07-09")  # 4 days: 2026 has 13, 2027 only 3
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["end_date"]
    assert "3 days available in 2027, 4 requested" in refused.json()["detail"], refused.json()
