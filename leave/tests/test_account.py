"""The working-time account through the API, the /leave/ page and the admin: worked minus
expected hours from the start of employment (or a later opening balance), adjustments, and
time off in lieu (compensatory time) taken from the account.

The clock stands on Friday 20 February 2026, 16:00 UTC (17:00 in Berlin). Alice (40 h over
Monday to Friday, no holiday calendar) started on Monday 16 February 2026."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from core.models import AuditEvent
from leave.models import LeaveRequest, LeaveType, WorkingTimeAdjustment
from leave.services import month_closing_create

pytestmark = pytest.mark.django_db

ACCOUNT = "/api/v1/working-time-accounts"
ADJUSTMENTS = "/api/v1/working-time-accounts/adjustments"
REQUESTS = "/api/v1/leave/requests"
ENTRIES = "/api/v1/time-entries"
ADMIN = "/admin/leave/workingtimeadjustment/"
WEEK = ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"]


@pytest.fixture
def frozen_2026_02_20():
    """Friday 20 February 2026, 16:00 UTC: the working-time account tests' today."""
    with time_machine.travel(datetime(2026, 2, 20, 16, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def comp_time(db):
    """The seeded "Compensatory time" type (code comp-time): time off in lieu, in hours."""
    return LeaveType.objects.get(code="comp-time")


@pytest.fixture
def starter(frozen_2026_02_20, alice, bob, carol):
    """Alice, employed from Monday 16 February 2026."""
    alice.employment_start = date(2026, 2, 16)
    alice.save(update_fields=["employment_start"])
    return alice


def account(client, **params):
    response = client.get(ACCOUNT, params)
    assert response.status_code == 200, response.json()
    return response.json()


def adjust(client, user, hours, day="2026-02-16", kind="opening", reason="Carried from the old system", **extra):
    body = {"user": user.pk, "kind": kind, "hours": hours, "date": day, "reason": reason, **extra}
    return client.post(ADJUSTMENTS, body, format="json")


def log_week(client, project, hours_per_day):
    for day in WEEK:
        response = client.post(ENTRIES, {"project": project.pk, "day": day, "hours": hours_per_day}, format="json")
        assert response.status_code == 201, response.json()


def ask(client, leave_type, start, end=None, **extra):
    body = {"type": leave_type.pk, "start_date": start, "end_date": end or start, **extra}
    return client.post(REQUESTS, body, format="json")


def approve(client, request_id):
    response = client.post(f"{REQUESTS}/{request_id}/approve", {}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


# --- acceptance 3 ------------------------------------------------------------------------------


def test_opening_balance_overtime_week_and_a_day_of_comp_time_give_nine_and_a_half_hours(
    api, starter, bob, carol, acme, comp_time
):
    """+12.5 h opening, 45 h worked against 40 h, 8 h of compensatory time: 12.5 + 5 - 8 = 9.5."""
    assert adjust(api(carol), starter, "12.5").status_code == 201
    log_week(api(starter), acme, 9)
    assert account(api(starter), as_of="2026-02-20")["balance_hours"] == "17.50"

    asked = ask(api(starter), comp_time, "2026-02-23")
    assert asked.status_code == 201, asked.json()
    assert Decimal(asked.json()["hours"]) == 8
    approve(api(bob), asked.json()["id"])

    assert account(api(starter), as_of="2026-02-23") == {
        "user": starter.pk,
        "as_of": "2026-02-23",
        "opening_balance_hours": "12.50",
        "worked_hours": "45.00",
        "expected_hours": "48.00",  # the comp-time Monday stays expected
        "adjustment_hours": "0.00",
        "toil_hours": "8.00",
        "balance_hours": "9.50",
    }


def test_a_day_of_leave_that_reduces_expected_hours_leaves_the_account_alone(api, starter, bob, carol, acme, unpaid):
    assert adjust(api(carol), starter, "12.5").status_code == 201
    log_week(api(starter), acme, 9)
    asked = ask(api(starter), unpaid, "2026-02-23")
    approve(api(bob), asked.json()["id"])

    figures = account(api(starter), as_of="2026-02-23")
    assert figures["expected_hours"] == "40.00" and figures["toil_hours"] == "0.00"
    assert figures["balance_hours"] == "17.50"  # 12.5 + 45 - 40


def test_the_account_counts_from_employment_start_not_before(api, starter, carol, acme):
    """Work logged before the start (here: logged, then the start corrected to a later day)
    does not count; expected hours start on the 16th."""
    starter.employment_start = date(2026, 2, 2)
    starter.save(update_fields=["employment_start"])
    before = api(starter).post(ENTRIES, {"project": acme.pk, "day": "2026-02-13", "hours": 8}, format="json")
    assert before.status_code == 201, before.json()
    starter.employment_start = date(2026, 2, 16)
    starter.save(update_fields=["employment_start"])
    log_week(api(starter), acme, 8)
    figures = account(api(starter), as_of="2026-02-20")
    assert figures["worked_hours"] == "40.00" and figures["expected_hours"] == "40.00"
    assert figures["balance_hours"] == "0.00"


def test_a_later_opening_balance_starts_the_account_on_its_date(api, starter, carol, acme):
    log_week(api(starter), acme, 10)  # 10 h a day; only Thursday and Friday count
    assert adjust(api(carol), starter, "-3", day="2026-02-19").status_code == 201
    figures = account(api(starter), as_of="2026-02-20")
    assert figures["opening_balance_hours"] == "-3.00"
    assert figures["worked_hours"] == "20.00" and figures["expected_hours"] == "16.00"
    assert figures["balance_hours"] == "1.00"  # -3 + 20 - 16


def test_clocked_work_counts_less_its_break(api, starter, acme):
    body = {
        "project": acme.pk,
        "start": "2026-02-18T08:00:00+01:00",
        "end": "2026-02-18T18:30:00+01:00",
        "break_minutes": 45,
    }
    assert api(starter).post(ENTRIES, body, format="json").status_code == 201
    figures = account(api(starter), as_of="2026-02-18")
    assert figures["worked_hours"] == "9.75"  # 10.5 h less 45 min
    assert figures["expected_hours"] == "24.00"
    assert figures["balance_hours"] == "-14.25"


def test_payouts_corrections_and_forfeits_are_adjustments_up_to_as_of(api, starter, carol):
    assert adjust(api(carol), starter, "20", kind="opening").status_code == 201
    assert (
        adjust(api(carol), starter, "-6", day="2026-02-17", kind="payout", reason="Paid in February").status_code == 201
    )
    assert (
        adjust(api(carol), starter, "1.25", day="2026-02-18", kind="correction", reason="Forgot a trip").status_code
        == 201
    )
    assert (
        adjust(api(carol), starter, "-2", day="2026-02-20", kind="forfeit", reason="Above the cap").status_code == 201
    )
    figures = account(api(starter), as_of="2026-02-19")
    assert figures["opening_balance_hours"] == "20.00"
    assert figures["adjustment_hours"] == "-4.75"  # the forfeit of the 20th is not yet in
    assert figures["expected_hours"] == "32.00"
    assert figures["balance_hours"] == "-16.75"  # 20 + 0 - 32 - 4.75


# --- scope -------------------------------------------------------------------------------------


def test_managers_see_their_teams_accounts_and_others_get_404(api, starter, bob, carol, dave, erin):
    assert account(api(bob), user=starter.pk)["user"] == starter.pk
    assert account(api(carol), user=starter.pk)["user"] == starter.pk
    assert account(api(starter))["user"] == starter.pk  # default: yourself, as of your today
    assert account(api(starter))["as_of"] == "2026-02-20"
    for outsider in (erin, dave):
        response = api(outsider).get(ACCOUNT, {"user": starter.pk})
        assert response.status_code == 404, response.json()
    assert api(carol).get(ACCOUNT, {"user": 999999}).status_code == 404


def test_bad_query_is_400_naming_the_field(api, starter):
    response = api(starter).get(ACCOUNT, {"as_of": "yesterday"})
    assert response.status_code == 400 and "as_of" in response.json()["errors"]


# --- adjustments -------------------------------------------------------------------------------


def test_an_admin_adjusts_with_a_reason_and_it_is_audited(api, starter, carol):
    response = adjust(api(carol), starter, "12.5")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "opening" and body["hours"] == "12.50" and body["actor"] == carol.pk
    event = AuditEvent.objects.get(action="working_time_adjusted")
    assert event.actor == carol and event.subject_id == starter.pk
    assert event.data["hours"] == "12.50" and event.data["reason"] == "Carried from the old system"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"hours": "0"}, "hours"),
        ({"kind": "bonus"}, "kind"),
        ({"date": "2026-02-01"}, "date"),  # before the employment started
        ({"hours": "many"}, "hours"),
    ],
)
def test_bad_adjustments_are_400_naming_the_field(api, starter, carol, change, field):
    body = {"user": starter.pk, "kind": "correction", "hours": "2", "date": "2026-02-17", "reason": "Fix", **change}
    response = api(carol).post(ADJUSTMENTS, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not WorkingTimeAdjustment.objects.exists()


def test_only_admins_adjust(api, starter, bob):
    assert adjust(api(bob), starter, "5").status_code == 403
    assert adjust(api(starter), starter, "5").status_code == 403
    assert not WorkingTimeAdjustment.objects.exists()


def test_the_same_idempotency_key_writes_once(api, starter, carol):
    first = adjust(api(carol), starter, "5", idempotency_key="import-2026-alice")
    again = adjust(api(carol), starter, "5", idempotency_key="import-2026-alice")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert WorkingTimeAdjustment.objects.count() == 1
    assert AuditEvent.objects.filter(action="working_time_adjusted").count() == 1
    other = adjust(api(carol), starter, "6", idempotency_key="import-2026-alice")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_adjustments_are_listed_in_scope(api, starter, carol, bob, dave, erin):
    adjust(api(carol), starter, "5")
    adjust(api(carol), dave, "7", day="2026-02-20")  # dave started today
    mine = api(starter).get(ADJUSTMENTS).json()["results"]
    assert [row["hours"] for row in mine] == ["5.00"]
    assert [row["hours"] for row in api(bob).get(ADJUSTMENTS).json()["results"]] == ["5.00"]
    assert [row["hours"] for row in api(erin).get(ADJUSTMENTS).json()["results"]] == ["7.00"]
    assert len(api(carol).get(ADJUSTMENTS).json()["results"]) == 2
    assert api(carol).get(ADJUSTMENTS, {"user": dave.pk}).json()["results"][0]["user"] == dave.pk


# --- time off in lieu --------------------------------------------------------------------------


def test_leave_types_say_which_reduce_the_expected_hours(api, starter, vacation, sick, unpaid, comp_time):
    types = {row["code"]: row for row in api(starter).get("/api/v1/leave/types").json()["results"]}
    assert {code: types[code]["reduces_expected_hours"] for code in ("vacation", "sick", "unpaid", "comp-time")} == {
        "vacation": True,
        "sick": True,
        "unpaid": True,
        "comp-time": False,
    }
    assert types["comp-time"]["tracks_balance"] is False  # its balance is the account


def test_comp_time_larger_than_the_account_is_409(api, starter, carol, comp_time):
    adjust(api(carol), starter, "5", day="2026-02-16")
    # 5 h opening, nothing worked against 40 h: the account is -35 h.
    response = ask(api(starter), comp_time, "2026-02-23")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "insufficient_balance"
    assert "-35 hours available, 8 requested" in response.json()["detail"]
    assert not LeaveRequest.objects.exists()


def test_pending_comp_time_counts_against_the_next_request(api, starter, carol, bob, acme, comp_time):
    adjust(api(carol), starter, "12.5")
    log_week(api(starter), acme, 9)  # account 17.5 h
    assert ask(api(starter), comp_time, "2026-02-23").status_code == 201  # 9.5 h left
    second = ask(api(starter), comp_time, "2026-02-24")
    assert second.status_code == 201, second.json()  # 1.5 h left
    third = ask(api(starter), comp_time, "2026-02-25")
    assert third.status_code == 409 and "1.5 hours available, 8 requested" in third.json()["detail"]
    half = ask(api(starter), comp_time, "2026-02-25", end_half="morning")
    assert half.status_code == 409  # 4 h > 1.5 h


def test_approval_checks_the_account_again(api, starter, carol, bob, acme, comp_time):
    adjust(api(carol), starter, "12.5")
    log_week(api(starter), acme, 9)  # account 17.5 h
    asked = ask(api(starter), comp_time, "2026-02-23").json()
    adjust(api(carol), starter, "-15", day="2026-02-20", kind="payout", reason="Paid out")  # 2.5 h left
    response = api(bob).post(f"{REQUESTS}/{asked['id']}/approve", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "insufficient_balance"
    assert LeaveRequest.objects.get(pk=asked["id"]).status == LeaveRequest.Status.PENDING


def test_the_setting_allows_a_negative_account_down_to_its_limit(api, settings, starter, carol, comp_time):
    settings.WORKING_TIME_ACCOUNT_MIN_BALANCE = -40
    adjust(api(carol), starter, "36", day="2026-02-16")  # 36 - 40 expected: -4 h
    assert ask(api(starter), comp_time, "2026-02-23").status_code == 201  # down to -12
    assert ask(api(starter), comp_time, "2026-02-24").status_code == 201  # down to -20
    refused = ask(api(starter), comp_time, "2026-02-25", "2026-02-27")  # 24 h more: -44 < -40
    assert refused.status_code == 409, refused.json()


# --- the /leave/ page and the admin ------------------------------------------------------------


def logged_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def test_the_leave_page_shows_the_account(api, starter, carol, acme, password):
    adjust(api(carol), starter, "12.5")
    log_week(api(starter), acme, 9)
    response = logged_in(starter, password).get("/leave/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Working-time account" in html
    assert 'leave-account__balance">17.5 h<' in html  # 12.5 + 45 - 40
    assert '<th scope="row">Worked</th><td class="num">45 h</td>' in html


def test_a_negative_account_is_marked_on_the_page(starter, password):
    html = logged_in(starter, password).get("/leave/").content.decode()
    assert 'leave-account__balance is-negative">-40 h<' in html  # a week expected, nothing logged


def test_the_admin_adds_adjustments_through_the_service_and_never_changes_them(starter, carol, password):
    client = logged_in(carol, password)
    form = {"user": starter.pk, "kind": "correction", "hours": "3.5", "date": "2026-02-18"}
    without_reason = client.post(f"{ADMIN}add/", form)
    assert without_reason.status_code == 200
    assert without_reason.context["adminform"].form.errors == {"reason": ["This field is required."]}

    before_start = client.post(f"{ADMIN}add/", {**form, "date": "2026-02-01", "reason": "Fix"})
    assert before_start.status_code == 200  # the service's refusal, shown on the form
    assert not WorkingTimeAdjustment.objects.exists()

    added = client.post(f"{ADMIN}add/", {**form, "reason": "Trip not logged"})
    assert added.status_code == 302, added.content.decode()[:2000]
    adjustment = WorkingTimeAdjustment.objects.get()
    assert (adjustment.user, adjustment.hours, adjustment.actor) == (starter, Decimal("3.50"), carol)
    assert AuditEvent.objects.get(action="working_time_adjusted").actor == carol

    listing = client.get(ADMIN)
    assert listing.status_code == 200 and "+3.50 h" in listing.content.decode()
    assert client.post(f"{ADMIN}{adjustment.pk}/change/", {"hours": "9"}).status_code == 403
    assert client.post(f"{ADMIN}{adjustment.pk}/delete/", {"post": "yes"}).status_code == 403
    adjustment.refresh_from_db()
    assert adjustment.hours == Decimal("3.50")


def test_managers_see_their_teams_adjustments_in_the_admin_and_add_none(api, starter, carol, dave, bob, password):
    adjust(api(carol), starter, "5")
    adjust(api(carol), dave, "7", day="2026-02-20")
    client = logged_in(bob, password)
    listing = client.get(ADMIN)
    assert listing.status_code == 200
    assert [row.user for row in listing.context["cl"].result_list] == [starter]
    response = client.post(
        f"{ADMIN}add/", {"user": starter.pk, "kind": "opening", "hours": "5", "date": "2026-02-16", "reason": "x"}
    )
    assert response.status_code == 403
    assert WorkingTimeAdjustment.objects.count() == 2


def test_a_week_with_a_day_of_time_off_in_lieu_is_submitted_without_a_comment(
    api, starter, bob, carol, acme, comp_time
):
    """The comp-time Friday stays expected for the account, but the submit check does not
    ask why it was not worked (leave answers `expected_hours_requested` without it)."""
    assert adjust(api(carol), starter, "20").status_code == 201
    for day in WEEK[:4]:
        response = api(starter).post(ENTRIES, {"project": acme.pk, "day": day, "hours": "8"}, format="json")
        assert response.status_code == 201, response.json()
    asked = ask(api(starter), comp_time, "2026-02-20")  # 20 + 32 - 40 = 12 h on the account
    assert asked.status_code == 201, asked.json()
    sheet = api(starter).get("/api/v1/timesheets", {"week": "2026-W08"}).json()["results"][0]
    # Pending, the Friday is still a work day: four days are short.
    refused = api(starter).post(f"/api/v1/timesheets/{sheet['id']}/submit", {}, format="json")
    assert refused.json()["code"] == "comment_required"

    approve(api(bob), asked.json()["id"])
    submitted = api(starter).post(f"/api/v1/timesheets/{sheet['id']}/submit", {}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert account(api(starter), as_of="2026-02-20")["balance_hours"] == "12.00"  # 20 + 32 - 40


def test_an_adjustment_dated_in_a_closed_month_is_409_and_the_snapshot_stays_true(api, starter, carol):
    """Payroll was paid from the closing's snapshot: an adjustment dated in the closed month
    would move the account behind it. March, still open, takes it."""
    closing = month_closing_create(actor=carol, month=date(2026, 2, 1))
    before = closing.rows.get(user=starter).balance_hours

    refused = adjust(api(carol), starter, "3", day="2026-02-18", kind="payout", reason="Paid with February")

    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "month_closed"
    assert "February 2026 is closed" in refused.json()["detail"]
    assert not WorkingTimeAdjustment.objects.exists()
    assert not AuditEvent.objects.filter(action="working_time_adjusted").exists()
    assert closing.rows.get(user=starter).balance_hours == before
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC)):
        taken = adjust(api(carol), starter, "-3", day="2026-03-02", kind="payout", reason="Paid with March")
    assert taken.status_code == 201, taken.json()
