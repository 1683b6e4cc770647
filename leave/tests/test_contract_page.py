"""Issue 15, acceptance 7: a page shows a person's contract versions and working-time account
(`/users/<id>/contract/` for their managers and admins, `/users/me/contract/` for the
person); admins add a version and book an account adjustment there, through the same
services as the API; the dashboard's overtime widget names the account balance.

The clock stands on Friday 20 February 2026, 16:00 UTC. Alice (40 h, Monday to Friday, no
holiday calendar) started on Monday 16 February 2026; bob manages her team, carol is an
admin, dave is on another team. Acceptance 3's figures: +12.5 h opening balance, 45 h worked
against 40 h, a day of compensatory time (8 h): 12.5 + 5 - 8 = 9.5 h."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from compliance.models import WorkingTimePolicy
from core.models import AuditEvent
from leave import services
from leave.models import HolidayCalendar, LeaveType, WorkingTimeAdjustment
from leave.tests.helpers import ask
from timeentries.services import time_entry_create
from users.models import Contract

pytestmark = pytest.mark.django_db

ME = "/users/me/contract/"


def page_of(user) -> str:
    return f"/users/{user.pk}/contract/"


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 2, 20, 16, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def newcomer(clock, alice, bob, carol, dave):
    alice.employment_start = date(2026, 2, 16)
    alice.save(update_fields=["employment_start"])
    Contract.objects.create(user=alice, valid_from=date(2026, 2, 16), weekly_hours=40, work_days="12345")
    return alice


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def field_error(html: str, form: str, name: str) -> str:
    match = re.search(rf'<p class="field__error" id="id_{form}-{name}_error">([^<]*)</p>', html)
    return match.group(1) if match else ""


def version_form(**changes) -> dict:
    return {
        "version-valid_from": "2026-04-01",
        "version-weekly_hours": "20",
        "version-work_days": ["1", "2", "3", "4"],
        "version-holiday_calendar": "",
        "version-policy": "",
        **changes,
    }


def adjustment_form(**changes) -> dict:
    return {
        "adjustment-kind": "opening",
        "adjustment-hours": "12.5",
        "adjustment-date": "2026-02-16",
        "adjustment-reason": "Carried from the old system",
        **changes,
    }


def test_the_person_managers_and_admins_see_the_page_others_get_404(newcomer, bob, carol, dave, erin, password):
    for reader in (newcomer, bob, carol):
        assert signed_in(reader, password).get(page_of(newcomer)).status_code == 200, reader
    for outsider in (dave, erin):
        assert signed_in(outsider, password).get(page_of(newcomer)).status_code == 404, outsider
    assert signed_in(newcomer, password).get(page_of(bob)).status_code == 404
    mine = signed_in(newcomer, password).get(ME)
    assert mine.status_code == 200 and mine.context["person"] == newcomer
    assert Client().get(ME).status_code == 302  # to the sign-in page


def test_versions_are_listed_with_their_terms(newcomer, carol, password):
    munich = HolidayCalendar.objects.create(name="Munich", country="DE", subdivision="BY")
    policy = WorkingTimePolicy.objects.create(name="Part-time policy")
    Contract.objects.create(
        user=newcomer,
        valid_from=date(2026, 7, 1),
        weekly_hours=20,
        work_days="1234",
        holiday_calendar=munich,
        policy=policy,
    )

    response = signed_in(newcomer, password).get(ME)

    html = response.content.decode()
    rows = [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", html.split('id="versions-title"')[1], re.S)][1:3]
    assert rows[0] == "Mon 16 Feb 2026 in force 40 h Mon, Tue, Wed, Thu, Fri — —"
    assert rows[1] == "Wed 1 Jul 2026 20 h Mon, Tue, Wed, Thu Munich Part-time policy"
    assert "employed since Mon 16 Feb 2026" in text_of(html)
    assert 'name="version-valid_from"' not in html and 'name="adjustment-hours"' not in html  # no forms for her
    assert " style=" not in html and "<script>" not in html


def test_an_admin_adds_a_version_through_the_service(newcomer, carol, password):
    client = signed_in(carol, password)

    response = client.post(f"{page_of(newcomer)}versions/", version_form())

    assert response.status_code == 302 and response["Location"] == page_of(newcomer)
    version = Contract.objects.get(user=newcomer, valid_from=date(2026, 4, 1))
    assert (version.weekly_hours, version.work_days) == (20, "1234")
    assert AuditEvent.objects.filter(action="contract_created", actor=carol).exists()
    followed = client.get(page_of(newcomer))
    assert "New contract version from Wed 1 Apr 2026" in text_of(followed.content.decode())


def test_a_refused_version_shows_the_error_next_to_its_field(newcomer, carol, password):
    client = signed_in(carol, password)

    before = client.post(f"{page_of(newcomer)}versions/", version_form(**{"version-valid_from": "2026-02-01"}))
    assert before.status_code == 400
    assert field_error(before.content.decode(), "version", "valid_from").startswith(
        f"{newcomer} is employed from 2026-02-16"
    )
    no_days = client.post(f"{page_of(newcomer)}versions/", version_form(**{"version-work_days": []}))
    assert no_days.status_code == 400 and field_error(no_days.content.decode(), "version", "work_days")
    assert Contract.objects.filter(user=newcomer).count() == 1


def test_a_version_over_a_closed_month_shows_the_409_message(newcomer, carol, password):
    services.month_closing_create(actor=carol, month=date(2026, 2, 1), team=None)

    response = signed_in(carol, password).post(
        f"{page_of(newcomer)}versions/", version_form(**{"version-valid_from": "2026-02-23"})
    )

    assert response.status_code == 409
    assert "February 2026 is closed for payroll; ask an admin to reopen it." in text_of(response.content.decode())
    assert not Contract.objects.filter(user=newcomer, valid_from=date(2026, 2, 23)).exists()


def test_managers_and_the_person_cannot_post(newcomer, bob, password):
    for user in (newcomer, bob):
        client = signed_in(user, password)
        assert client.post(f"{page_of(newcomer)}versions/", version_form()).status_code == 403
        assert client.post(f"{page_of(newcomer)}adjustments/", adjustment_form()).status_code == 403
    assert Contract.objects.filter(user=newcomer).count() == 1
    assert not WorkingTimeAdjustment.objects.exists()


def test_an_admin_books_an_adjustment_and_errors_name_the_field(newcomer, carol, password):
    client = signed_in(carol, password)
    url = f"{page_of(newcomer)}adjustments/"

    no_reason = client.post(url, adjustment_form(**{"adjustment-reason": " "}))
    assert no_reason.status_code == 400
    assert field_error(no_reason.content.decode(), "adjustment", "reason")
    before_start = client.post(url, adjustment_form(**{"adjustment-date": "2026-01-01"}))
    assert before_start.status_code == 400
    assert field_error(before_start.content.decode(), "adjustment", "date") == (
        "The account starts with the employment on 2026-02-16."
    )
    booked = client.post(url, adjustment_form())
    assert booked.status_code == 302
    adjustment = WorkingTimeAdjustment.objects.get(user=newcomer)
    assert (adjustment.kind, adjustment.hours, adjustment.actor) == ("opening", Decimal("12.5"), carol)
    assert AuditEvent.objects.filter(action="working_time_adjusted").count() == 1


def test_the_account_adds_up_to_nine_and_a_half_hours(newcomer, bob, carol, acme, clock, password):
    signed_in(carol, password).post(f"{page_of(newcomer)}adjustments/", adjustment_form())
    for offset in range(5):  # Monday 16 to Friday 20 February, 9 h a day
        time_entry_create(
            actor=newcomer, project=acme, day=date(2026, 2, 16) + timedelta(days=offset), duration=timedelta(hours=9)
        )
    comp_time = ask(newcomer, LeaveType.objects.get(code="comp-time"), "2026-02-23")
    services.leave_request_approve(request_id=comp_time.pk, actor=bob)
    clock.move_to(datetime(2026, 2, 23, 17, 0, tzinfo=UTC))  # Monday 23 February, not worked

    response = signed_in(bob, password).get(page_of(newcomer))

    account = text_of(response.content.decode().split('id="account-title"')[1])
    assert "Working-time account: +9.5 h as of Mon 23 Feb 2026" in account
    for figure in ("Opening balance 12.5 h", "Worked 45 h", "Expected 48 h", "of it, time off in lieu 8 h"):
        assert figure in account
    assert "Mon 16 Feb 2026 Opening balance +12.5 h Carried from the old system" in account


def test_the_dashboards_overtime_widget_names_the_account_balance(newcomer, carol, api, password):
    signed_in(carol, password).post(f"{page_of(newcomer)}adjustments/", adjustment_form(**{"adjustment-hours": "-3"}))
    # Monday 16 to Friday 20 February (16:00 UTC: the day counts whole), nothing logged: -40 h, less 3.
    data = api(newcomer).get("/api/v1/analytics/widgets/overtime_trend").json()
    assert data["account"] == {
        "as_of": "2026-02-20",
        "balance_hours": "-43.00",
        "text": "Working-time account: -43 h as of Fri 20 Feb 2026",
    }

    html = signed_in(newcomer, password).get("/dashboard/").content.decode()
    assert "Working-time account: -43 h as of Fri 20 Feb 2026" in html
    assert f'href="{ME}"' in html


def test_the_leave_page_and_the_team_timesheet_link_to_the_contract_page(newcomer, bob, password):
    assert f'href="{ME}"' in signed_in(newcomer, password).get("/leave/").content.decode()
    assert f'href="{page_of(newcomer)}"' in signed_in(bob, password).get("/timesheet/team/").content.decode()
