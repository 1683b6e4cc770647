"""Issue 17, approvals inbox: `GET /api/v1/approvals`, the `/approvals/` page and the header
badge. Today is Monday 2 March 2026 (`frozen_2026_03_02`); Bob manages team A (Alice,
Frank), Erin team B (Dave), Carol is an admin."""

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from compliance.models import Violation, WorkingTimePolicy
from compliance.tests.factories import violation_of
from leave import services as leave_services
from leave.models import LeaveRequest
from timeentries.models import Timesheet
from timeentries.services import timesheet_approve

pytestmark = pytest.mark.django_db


def submitted(user, week_start: date, submitted_at: datetime) -> Timesheet:
    fields = {"status": Timesheet.Status.SUBMITTED, "submitted_at": submitted_at}
    return Timesheet.objects.update_or_create(user=user, week_start=week_start, defaults=fields)[0]


def asked(user, leave_type, start: date, end: date, created_at: datetime) -> LeaveRequest:
    request = leave_services.leave_request_create(actor=user, leave_type=leave_type, start_date=start, end_date=end)
    LeaveRequest.objects.filter(pk=request.pk).update(created_at=created_at)
    return request


def at(day: int, month: int = 2) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)


@pytest.fixture
def inbox(frozen_2026_03_02, alice, frank, dave, bob, erin, carol, vacation, acme, internal, log_duration):
    """Alice's week of 16 Feb (8 h ACME Mon; 6 h ACME + 2 h INT Tue) submitted 23 Feb;
    Frank's week of 9 Feb submitted 20 Feb; Dave's week of 9 Feb submitted 19 Feb; Alice
    asks vacation 16-20 March (5 days) on 1 March, Frank 18-19 March (2 days) on 2 March."""
    leave_services.leave_accrue_year(year=2026)
    log_duration(alice, acme, date(2026, 2, 16), 8)
    log_duration(alice, acme, date(2026, 2, 17), 6)
    log_duration(alice, internal, date(2026, 2, 17), 2)
    items = {
        "alice_week": submitted(alice, date(2026, 2, 16), at(23)),
        "frank_week": submitted(frank, date(2026, 2, 9), at(20)),
        "dave_week": submitted(dave, date(2026, 2, 9), at(19)),
        "alice_leave": asked(alice, vacation, date(2026, 3, 16), date(2026, 3, 20), at(1, 3)),
        "frank_leave": asked(frank, vacation, date(2026, 3, 18), date(2026, 3, 19), at(2, 3)),
    }
    violation_of(alice, day=date(2026, 2, 17))
    violation_of(alice, day=date(2026, 2, 3))  # another week: not this item's
    return items


def keys(response) -> list[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return [(item["kind"], item["id"]) for item in response.json()]


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


# --- API ---------------------------------------------------------------------------------------


def test_a_manager_sees_only_their_teams_pending_items_of_any_week_oldest_first(api, inbox, bob, erin, carol):
    assert keys(api(bob).get("/api/v1/approvals")) == [
        ("timesheet", inbox["frank_week"].pk),  # 20 Feb
        ("timesheet", inbox["alice_week"].pk),  # 23 Feb
        ("leave_request", inbox["alice_leave"].pk),  # 1 Mar
        ("leave_request", inbox["frank_leave"].pk),  # 2 Mar
    ]
    assert keys(api(erin).get("/api/v1/approvals")) == [("timesheet", inbox["dave_week"].pk)]
    assert len(keys(api(carol).get("/api/v1/approvals"))) == 5


def test_decided_and_open_items_leave_the_inbox(api, inbox, bob, carol):
    timesheet_approve(timesheet_id=inbox["frank_week"].pk, actor=carol)
    leave_services.leave_request_reject(request_id=inbox["frank_leave"].pk, actor=carol, comment="Release week")
    assert keys(api(bob).get("/api/v1/approvals")) == [
        ("timesheet", inbox["alice_week"].pk),
        ("leave_request", inbox["alice_leave"].pk),
    ]


def test_employees_have_no_inbox(api, inbox, alice):
    assert api(alice).get("/api/v1/approvals").status_code == 403


def test_a_timesheet_item_carries_the_weeks_hours_and_open_warnings(api, inbox, bob):
    item = next(i for i in api(bob).get("/api/v1/approvals").json() if i["id"] == inbox["alice_week"].pk)
    assert item["kind"] == "timesheet"
    assert item["user"]["email"] == "alice@example.com"
    assert item["week"] == "2026-W08"
    assert item["submitted_at"].startswith("2026-02-23")
    assert [d["hours"] for d in item["hours_by_day"]] == ["8.00", "8.00", "0.00", "0.00", "0.00", "0.00", "0.00"]
    assert item["hours_by_day"][0]["date"] == "2026-02-16"
    assert [(p["code"], p["hours"]) for p in item["hours_by_project"]] == [("ACME", "14.00"), ("INT", "2.00")]
    assert item["total_hours"] == "16.00"
    assert [w["period_end"] for w in item["warnings"]] == ["2026-02-17"]


def test_a_leave_item_carries_days_balance_after_approval_and_who_else_is_away(api, inbox, bob):
    items = {(i["kind"], i["id"]): i for i in api(bob).get("/api/v1/approvals").json()}
    alice_leave = items[("leave_request", inbox["alice_leave"].pk)]
    assert alice_leave["leave_type"]["code"] == "vacation"
    assert (alice_leave["start_date"], alice_leave["end_date"]) == ("2026-03-16", "2026-03-20")
    assert alice_leave["working_days"] == "5.0"
    # 25 days of 2026, nothing taken or planned: 25 - 5 once approved (Frank's pending 2 are his).
    assert alice_leave["balance_after_approval"] == "20.00"
    assert [(a["user"]["email"], a["start_date"], a["status"]) for a in alice_leave["team_away"]] == [
        ("frank@example.com", "2026-03-18", "pending")
    ]
    frank_leave = items[("leave_request", inbox["frank_leave"].pk)]
    assert frank_leave["balance_after_approval"] == "23.00"
    assert [a["user"]["email"] for a in frank_leave["team_away"]] == ["alice@example.com"]


def test_the_inbox_reads_in_a_fixed_number_of_queries(
    api, inbox, bob, alice, frank, vacation, django_assert_max_num_queries
):
    client = api(bob)
    with CaptureQueriesContext(connection) as few:
        assert len(keys(client.get("/api/v1/approvals"))) == 4
    for n, person in enumerate([alice, frank, alice, frank]):
        submitted(person, date(2026, 1, 5) + timedelta(weeks=n), at(1 + n, 1))
    asked(alice, vacation, date(2026, 4, 7), date(2026, 4, 8), at(2, 3))
    asked(frank, vacation, date(2026, 4, 9), date(2026, 4, 10), at(2, 3))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(keys(client.get("/api/v1/approvals"))) == 10


def test_the_openapi_schema_lists_the_inbox(anon):
    schema = anon.get("/api/v1/openapi.json").json()
    assert "get" in schema["paths"]["/api/v1/approvals"]


# --- the page ------------------------------------------------------------------------------------


def messages_of(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<p class="alert alert--\w+">(.*?)</p>', html, re.S)]


def test_bulk_approve_of_three_where_one_was_decided_meanwhile_approves_two_and_names_the_third(
    inbox, bob, carol, password
):
    client = signed_in(bob, password)
    chosen = [f"timesheet:{inbox['alice_week'].pk}", f"timesheet:{inbox['frank_week'].pk}"]
    chosen.append(f"leave_request:{inbox['alice_leave'].pk}")
    assert client.get("/approvals/").status_code == 200
    timesheet_approve(timesheet_id=inbox["frank_week"].pk, actor=carol)  # another tab, meanwhile
    response = client.post("/approvals/", {"items": chosen, "decision": "approve"}, follow=True)
    assert response.status_code == 200
    for item in ("alice_week", "frank_week", "alice_leave"):
        inbox[item].refresh_from_db()
    assert inbox["alice_week"].status == Timesheet.Status.APPROVED
    assert inbox["alice_week"].decided_by == bob
    assert inbox["alice_leave"].status == LeaveRequest.Status.APPROVED
    assert inbox["frank_week"].decided_by == carol
    said = messages_of(response.content.decode())
    assert len([m for m in said if m.startswith("Approved:")]) == 2
    failed = [m for m in said if m.startswith("Not decided:")]
    assert len(failed) == 1
    assert "week 2026-W07" in failed[0] and "approved, not submitted" in failed[0]
    assert "Frank" in failed[0]


def test_reject_without_a_comment_is_refused_on_the_page_and_changes_nothing(inbox, bob, password):
    client = signed_in(bob, password)
    item = f"leave_request:{inbox['alice_leave'].pk}"
    response = client.post("/approvals/", {"items": [item], "decision": "reject", "comment": " "})
    assert response.status_code == 400
    assert "a rejection needs a comment" in response.content.decode()
    inbox["alice_leave"].refresh_from_db()
    assert inbox["alice_leave"].status == LeaveRequest.Status.PENDING


def test_one_item_is_rejected_with_its_own_button_and_the_comment(inbox, bob, password):
    client = signed_in(bob, password)
    one = f"reject timesheet:{inbox['alice_week'].pk}"
    response = client.post("/approvals/", {"one": one, "comment": "Tuesday is missing the client call"}, follow=True)
    inbox["alice_week"].refresh_from_db()
    assert inbox["alice_week"].status == Timesheet.Status.REJECTED
    assert inbox["alice_week"].decision_comment == "Tuesday is missing the client call"
    assert inbox["frank_week"].status == Timesheet.Status.SUBMITTED
    assert any(m.startswith("Rejected:") for m in messages_of(response.content.decode()))


def test_a_manager_cannot_decide_another_teams_item_from_the_page(inbox, bob, password):
    client = signed_in(bob, password)
    response = client.post("/approvals/", {"items": [f"timesheet:{inbox['dave_week'].pk}"], "decision": "approve"})
    assert response.status_code == 302
    inbox["dave_week"].refresh_from_db()
    assert inbox["dave_week"].status == Timesheet.Status.SUBMITTED
    page = client.get("/approvals/").content.decode()
    failed = [m for m in messages_of(page) if m.startswith("Not decided:")]
    assert failed == [f"Not decided: timesheet {inbox['dave_week'].pk}: not in your inbox."]


def test_employees_do_not_get_the_page(inbox, alice, password):
    assert signed_in(alice, password).get("/approvals/").status_code == 403


def badge(html: str) -> str | None:
    found = re.search(r'data-testid="approvals-badge">(\d+)<', html)
    return found.group(1) if found else None


def test_the_header_badge_counts_pending_items_for_managers(inbox, bob, erin, alice, carol, password):
    assert badge(signed_in(bob, password).get("/leave/").content.decode()) == "4"
    assert badge(signed_in(erin, password).get("/leave/").content.decode()) == "1"
    assert badge(signed_in(carol, password).get("/leave/").content.decode()) == "5"
    page = signed_in(alice, password).get("/leave/").content.decode()
    assert badge(page) is None and "/approvals/" not in page


class Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls, self.labels, self.buttons = [], set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "textarea", "select") and attrs.get("type") != "hidden":
            self.controls.append(attrs.get("id"))
        if tag == "label":
            self.labels.add(attrs.get("for"))
        if tag == "button":
            self.buttons.append(attrs)


def test_the_page_is_usable_with_the_keyboard_every_control_labelled(inbox, bob, password):
    html = signed_in(bob, password).get("/approvals/").content.decode()
    parser = Controls()
    parser.feed(html)
    mine = [c for c in parser.controls if c != "site-search-q"]
    assert len(mine) == 4 + 2  # a checkbox per item, the comment, the reason
    assert all(control and control in parser.labels for control in mine)
    assert all(b.get("type") == "submit" for b in parser.buttons)
    assert "<script>" not in html and "style=" not in html


def test_under_a_blocking_policy_the_page_approves_a_week_with_open_violations_only_with_a_reason(inbox, bob, password):
    WorkingTimePolicy.objects.filter(is_default=True).update(enforcement=WorkingTimePolicy.Enforcement.BLOCK)
    client = signed_in(bob, password)
    item = f"timesheet:{inbox['alice_week'].pk}"

    refused = client.post("/approvals/", {"items": [item], "decision": "approve"}, follow=True)

    inbox["alice_week"].refresh_from_db()
    assert inbox["alice_week"].status == Timesheet.Status.SUBMITTED
    failed = [m for m in messages_of(refused.content.decode()) if m.startswith("Not decided:")]
    assert len(failed) == 1 and "open working-time violation" in failed[0].lower()

    reason = "Cover for a sick colleague"
    approved = client.post("/approvals/", {"items": [item], "decision": "approve", "reason": reason}, follow=True)

    inbox["alice_week"].refresh_from_db()
    assert inbox["alice_week"].status == Timesheet.Status.APPROVED
    assert any(m.startswith("Approved:") for m in messages_of(approved.content.decode()))
    violation = Violation.objects.get(user=inbox["alice_week"].user, period_end=date(2026, 2, 17))
    assert (violation.status, violation.acknowledged_by, violation.comment) == (
        Violation.Status.ACKNOWLEDGED,
        bob,
        reason,
    )
    other_week = Violation.objects.get(user=inbox["alice_week"].user, period_end=date(2026, 2, 3))
    assert other_week.status == Violation.Status.OPEN
