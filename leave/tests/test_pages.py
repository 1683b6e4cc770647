"""The leave pages as people use them: balances, requests and the request form with its
live working-days count on /leave/; pending requests and the month calendar on /leave/team/."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils.html import escape

from leave import services, team_calendar
from leave.models import Holiday, LeaveLedgerEntry, LeaveRequest, LeaveType
from leave.tests.helpers import ask

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_2026_03_02")]

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 2 March 2026
LEAVE = "/leave/"
PREVIEW = "/leave/preview/"
TEAM = "/leave/team/"


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def form(leave_type, start, end, **extra) -> dict:
    return {"type": leave_type.pk, "start_date": start, "end_date": end, "start_half": "", "end_half": "", **extra}


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<p class="field__error" id="id_{name}_error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- /leave/ -----------------------------------------------------------------------------------


def test_my_leave_shows_balances_requests_and_a_labelled_form(funded, bob, vacation, password):
    taken = ask(funded, vacation, "2026-03-09", "2026-03-10")
    services.leave_request_approve(request_id=taken.pk, actor=bob, comment="Have fun")
    ask(funded, vacation, "2026-04-13", reason="Dentist")

    response = signed_in(funded, password).get(LEAVE)

    assert response.status_code == 200
    html = response.content.decode()
    balance = next(row for row in response.context["balances"] if row["type_code"] == "vacation")
    assert (balance["entitlement"], balance["planned"], balance["pending"], balance["left"]) == (
        "25 days",
        "2 days",
        "1 day",
        "22 days",
    )
    text = text_of(html)
    assert "Vacation 25 days 0 days 2 days 1 day 22 days" in text
    assert "Mon 9 Mar \u2013 Tue 10 Mar 2026" in text and "Approved by Bob" in text and "Have fun" in text
    assert "Mon 13 Apr 2026" in text and "Pending" in text and "Dentist" in text
    for name in ("type", "start_date", "start_half", "end_date", "end_half", "reason"):
        assert f'<label for="id_{name}">' in html
    assert html.count('type="date"') == 3  # the form's two, and the pending request's "Shorten"
    assert 'hx-get="/leave/preview/"' in html and 'hx-trigger="change"' in html and 'hx-target="#leave-preview"' in html
    assert '<output id="leave-preview"' in html
    assert " style=" not in html and "<script>" not in html
    assert 'aria-current="page">Leave</a>' in html
    assert "Team leave" in html  # team mates see who is away (issue 14)


def test_the_type_select_offers_active_types_only(funded, unpaid, password):
    unpaid.active = False
    unpaid.save()
    html = signed_in(funded, password).get(LEAVE).content.decode()
    assert ">Vacation</option>" in html and ">Unpaid</option>" not in html


def test_posting_the_form_requests_leave(funded, vacation, password):
    client = signed_in(funded, password)
    response = client.post(LEAVE, form(vacation, "2026-03-09", "2026-03-13", reason="Skiing"))

    assert response.status_code == 302 and response["Location"] == LEAVE
    created = LeaveRequest.objects.get(user=funded)
    assert (created.status, created.working_days, created.reason) == ("pending", 5, "Skiing")
    page = client.get(LEAVE).content.decode()
    assert "Vacation from Mon 9 Mar to Fri 13 Mar 2026 is requested (5 days)." in page
    assert "Skiing" in page


def test_sick_leave_is_recorded_at_once(funded, password):
    sick = LeaveType.objects.get(code="sick")
    signed_in(funded, password).post(LEAVE, form(sick, "2026-03-02", "2026-03-02", start_half="morning"))
    assert LeaveRequest.objects.get(user=funded).status == "approved"


def test_a_bad_request_shows_the_error_next_to_its_field_and_saves_nothing(funded, vacation, password):
    client = signed_in(funded, password)

    backwards = client.post(LEAVE, form(vacation, "2026-03-13", "2026-03-09"))
    assert backwards.status_code == 400
    html = backwards.content.decode()
    assert field_error(html, "end_date") == "The end date cannot be before the start date."
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_end_date_error"' in html
    assert 'value="2026-03-13"' in html  # the input is kept, and counted again
    assert "The end date cannot be before the start date.</span></output>" in html

    too_long = client.post(LEAVE, form(vacation, "2026-03-02", "2026-04-30"))
    assert too_long.status_code == 400
    assert field_error(too_long.content.decode(), "end_date").startswith("Not enough Vacation left: 25")

    weekend = client.post(LEAVE, form(vacation, "2026-03-07", "2026-03-08"))
    assert field_error(weekend.content.decode(), "start_date") == "The request covers no working day."

    missing = client.post(LEAVE, {"type": vacation.pk, "start_date": "", "end_date": "2026-03-09"})
    assert missing.status_code == 400
    assert field_error(missing.content.decode(), "start_date") == "This field is required."
    assert not LeaveRequest.objects.exists()


def test_an_overlap_is_shown_above_the_form(funded, vacation, password):
    ask(funded, vacation, "2026-03-09", "2026-03-10")
    response = signed_in(funded, password).post(LEAVE, form(vacation, "2026-03-10", "2026-03-11"))
    assert response.status_code == 409
    assert "Overlaps your pending Vacation request" in response.content.decode()
    assert LeaveRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "end", "halves", "field", "message"),
    [
        ("2026-03-13", "2026-03-09", {}, "end_date", "The end date cannot be before the start date."),
        ("2026-03-02", "2027-03-09", {}, "end_date", "A request cannot be longer than a year."),
        ("2026-03-07", "2026-03-08", {}, "start_date", "The request covers no working day."),
        ("2026-03-09", "2026-03-09", {"start_half": "morning", "end_half": "afternoon"}, "end_half", "A single day"),
        ("2026-03-09", "2026-03-10", {"end_half": "morning"}, "end_half", "Vacation cannot be taken in half days."),
    ],
)
def test_the_preview_says_what_the_request_would_refuse(funded, vacation, password, start, end, halves, field, message):
    """The live count asks the service's own checks (`leave_request_length`): a type without
    half days was counted by the preview and refused only on submit."""
    vacation.half_days_allowed = "half days" not in message
    vacation.save()
    client = signed_in(funded, password)
    preview = text_of(
        client.get(PREVIEW, {"type": vacation.pk, "start_date": start, "end_date": end, **halves}).content.decode()
    )
    submitted = client.post(LEAVE, form(vacation, start, end, **halves))
    assert submitted.status_code == 400
    assert field_error(submitted.content.decode(), field).startswith(message)
    assert preview == field_error(submitted.content.decode(), field)
    assert not LeaveRequest.objects.exists()


def test_preview_counts_working_days(funded, bavaria, vacation, password):
    Holiday.objects.create(calendar=bavaria, date=date(2026, 3, 11), name="Company day")
    client = signed_in(funded, password)

    def preview(**params) -> str:
        response = client.get(PREVIEW, params)
        assert response.status_code == 200
        return text_of(response.content.decode())

    assert preview(type=vacation.pk, start_date="2026-03-09", end_date="2026-03-13") == "4 working days"
    assert preview(start_date="2026-03-06", end_date="2026-03-09", start_half="afternoon") == "1.5 working days"
    assert preview(start_date="2026-03-09", end_date="2026-03-09", end_half="morning") == "0.5 working days"
    comp = LeaveType.objects.get(code="comp-time")
    assert preview(type=comp.pk, start_date="2026-03-12", end_date="2026-03-12") == "8 hours (1 working day)"
    assert preview(start_date="2026-03-13", end_date="2026-03-09") == "The end date cannot be before the start date."
    assert preview(start_date="2026-03-07", end_date="2026-03-08") == "The request covers no working day."
    assert preview(start_date="2026-03-09") == "pick the first and the last day"
    assert preview(start_date="9 March") == "Enter a valid date."
    assert not LeaveRequest.objects.exists()


def test_cancel_withdraws_a_pending_request_and_shows_refusals(funded, bob, dave, vacation, unpaid, password):
    pending = ask(funded, vacation, "2026-03-09")
    started = ask(funded, vacation, "2026-03-02")
    services.leave_request_approve(request_id=started.pk, actor=bob)
    client = signed_in(funded, password)
    page = client.get(LEAVE).content.decode()
    assert f'action="/leave/requests/{pending.pk}/cancel/"' in page
    assert f'action="/leave/requests/{started.pk}/cancel/"' not in page  # it has started

    cancelled = client.post(f"/leave/requests/{pending.pk}/cancel/")
    assert cancelled.status_code == 302
    pending.refresh_from_db()
    assert pending.status == LeaveRequest.Status.CANCELLED

    refused = client.post(f"/leave/requests/{started.pk}/cancel/")
    assert refused.status_code == 403
    assert "Leave that has started can only be cancelled by a manager or an admin." in refused.content.decode()
    started.refresh_from_db()
    assert started.status == LeaveRequest.Status.APPROVED

    again = client.post(f"/leave/requests/{pending.pk}/cancel/")
    assert again.status_code == 409 and "The request is already cancelled." in again.content.decode()
    daves = ask(dave, unpaid, "2026-03-09")
    assert client.post(f"/leave/requests/{daves.pk}/cancel/").status_code == 404


def test_cancelling_approved_future_leave_credits_the_days(funded, bob, vacation, password):
    planned = ask(funded, vacation, "2026-03-16", "2026-03-17")
    services.leave_request_approve(request_id=planned.pk, actor=bob)
    signed_in(funded, password).post(f"/leave/requests/{planned.pk}/cancel/")
    assert LeaveLedgerEntry.objects.get(request=planned, kind="credit").amount == Decimal(2)


def test_pages_need_a_login(db):
    assert Client().get(LEAVE)["Location"].startswith("/accounts/login/")
    assert Client().get(TEAM)["Location"].startswith("/accounts/login/")


# --- /leave/team/ ------------------------------------------------------------------------------


def test_team_page_is_for_managers_admins_and_team_mates(funded, bob, carol, dave, password):
    assert signed_in(funded, password).get(TEAM).status_code == 200
    dave.team = None
    dave.save()
    assert signed_in(dave, password).get(TEAM).status_code == 403  # no team, no team mates
    assert signed_in(bob, password).get(TEAM).status_code == 200
    assert signed_in(carol, password).get(TEAM).status_code == 200


def test_manager_sees_and_approves_their_peoples_pending_requests(funded, bob, dave, vacation, unpaid, password):
    alices = ask(funded, vacation, "2026-03-09", "2026-03-10", reason="Wedding")
    bobs = ask(bob, unpaid, "2026-03-20")
    daves = ask(dave, unpaid, "2026-03-11")
    client = signed_in(bob, password)

    page = client.get(TEAM)

    assert [row["request"] for row in page.context["pending"]] == [alices]  # not his own, not Dave's
    html = page.content.decode()
    assert "Wedding" in html and 'aria-current="page">Team leave</a>' in html
    assert f'action="/leave/team/requests/{alices.pk}/approve/"' in html
    assert f"/leave/team/requests/{bobs.pk}/" not in html

    assert client.post(f"/leave/team/requests/{daves.pk}/approve/").status_code == 404
    approved = client.post(f"/leave/team/requests/{alices.pk}/approve/", {"month": "2026-03"})
    assert approved.status_code == 302 and approved["Location"] == f"{TEAM}?month=2026-03"
    alices.refresh_from_db(), daves.refresh_from_db()
    assert alices.status == LeaveRequest.Status.APPROVED and alices.decided_by == bob
    assert daves.status == LeaveRequest.Status.PENDING
    assert "Alice" in client.get(approved["Location"]).content.decode()


def test_reject_needs_a_comment(funded, bob, vacation, password):
    pending = ask(funded, vacation, "2026-03-09")
    client = signed_in(bob, password)

    without = client.post(f"/leave/team/requests/{pending.pk}/reject/", {"comment": " ", "month": "2026-03"})

    assert without.status_code == 400
    html = without.content.decode()
    assert (
        f'<p class="field__error" id="lr{pending.pk}-reject-comment_error">Say why the request is rejected.</p>' in html
    )
    assert f'<label for="lr{pending.pk}-reject-comment">' in html
    pending.refresh_from_db()
    assert pending.status == LeaveRequest.Status.PENDING

    rejected = client.post(f"/leave/team/requests/{pending.pk}/reject/", {"comment": "Release week"})
    assert rejected.status_code == 302
    pending.refresh_from_db()
    assert pending.status == LeaveRequest.Status.REJECTED and pending.decision_comment == "Release week"


def test_deciding_a_request_that_is_not_on_the_page_says_why(funded, bob, vacation, unpaid, password):
    withdrawn = ask(funded, vacation, "2026-03-09")
    services.leave_request_cancel(request_id=withdrawn.pk, actor=funded)

    response = signed_in(bob, password).post(f"/leave/team/requests/{withdrawn.pk}/approve/")

    assert response.status_code == 409
    assert '<p class="alert alert--error" role="alert">' in (html := response.content.decode())
    assert escape(f"{funded}: The request is cancelled, not pending.") in html
    withdrawn.refresh_from_db()
    assert withdrawn.status == LeaveRequest.Status.CANCELLED

    bobs = ask(bob, unpaid, "2026-03-20")
    own = signed_in(bob, password).post(f"/leave/team/requests/{bobs.pk}/approve/")
    assert own.status_code == 403 and "your own" in own.content.decode()
    bobs.refresh_from_db()
    assert bobs.status == LeaveRequest.Status.PENDING


def test_employees_cannot_decide(funded, dave, unpaid, password):
    daves = ask(dave, unpaid, "2026-03-11")
    assert signed_in(funded, password).post(f"/leave/team/requests/{daves.pk}/approve/").status_code == 403


def test_month_calendar_marks_leave_holidays_and_weekends(funded, bob, bavaria, vacation, unpaid, password):
    Holiday.objects.create(calendar=bavaria, date=date(2026, 3, 19), name="Josefitag")
    week = ask(funded, vacation, "2026-03-09", "2026-03-10")
    services.leave_request_approve(request_id=week.pk, actor=bob)
    ask(funded, unpaid, "2026-03-16", end_half="morning")

    response = signed_in(bob, password).get(TEAM, {"month": "2026-03"})

    assert response.status_code == 200
    calendar = response.context["calendar"]
    assert len(calendar["days"]) == 31
    row = next(row for row in calendar["rows"] if row["person"] == funded)
    cells = {cell.day.day: cell for cell in row["cells"]}
    assert "cal__cell--leave" in cells[9].css_class and [m.label for m in cells[9].marks] == ["V"]
    assert "cal__mark--approved" in cells[10].marks[0].css
    assert [m.label for m in cells[16].marks] == ["U½"] and "cal__mark--pending" in cells[16].marks[0].css
    assert cells[16].marks[0].text == "Unpaid, morning only, pending"
    assert "cal__cell--holiday" in cells[19].css_class and cells[19].marks[0].text == "Holiday: Josefitag"
    assert "cal__cell--off" in cells[7].css_class and cells[7].marks[0].text == "weekend"
    assert cells[11].css_class == "cal__cell"
    html = response.content.decode()
    assert '<abbr class="cal__mark cal__mark--leave cal__mark--vacation cal__mark--approved" title="Vacation"' in html
    assert '<span class="visually-hidden">Unpaid, morning only, pending</span>' in html
    assert '<span class="cal__mark cal__mark--leave cal__mark--vacation">V</span> Vacation</li>' in html  # the legend
    assert "Josefitag" in html and "<caption" in html and 'scope="row"' in html
    assert f'href="{TEAM}?month=2026-02"' in html and f'href="{TEAM}?month=2026-04"' in html
    assert " style=" not in html


def test_calendar_labels_are_short_and_unique():
    codes = ["vacation", "volunteer", "holiday-extra", "sick"]
    labels = team_calendar.short_labels([LeaveType(code=code, name=code) for code in codes])
    assert labels == {"vacation": "V", "volunteer": "VO", "holiday-extra": "HO", "sick": "S"}  # "H" is the holiday


def test_calendar_defaults_to_this_month_and_refuses_a_bad_month(bob, password):
    client = signed_in(bob, password)
    assert client.get(TEAM).context["month"]["label"] == "2026-03"
    december = client.get(TEAM, {"month": "2025-12"})
    assert december.context["month"]["next"] == "2026-01"
    bad = client.get(TEAM, {"month": "March"})
    assert bad.status_code == 400 and "Use a month such as 2026-03." in bad.content.decode()


def test_team_page_queries_do_not_grow_with_people(
    funded, bob, team_a, unpaid, password, django_assert_max_num_queries
):
    from users.tests.factories import UserFactory

    client = signed_in(bob, password)
    for n in range(6):
        member = UserFactory(team=team_a, email=f"member{n}@example.com")
        ask(member, unpaid, "2026-03-09")
        ask(member, unpaid, "2026-03-16", "2026-03-17")
    with django_assert_max_num_queries(16):
        assert client.get(TEAM).status_code == 200
