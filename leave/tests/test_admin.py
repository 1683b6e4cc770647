"""The leave admin, the managers' main screen: scoped requests, pending first, with the
ledger balance; approve/reject actions that report row by row; and writes (ledger
adjustments, holidays, types) that go through the services. Also the import_holidays command."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from leave import services
from leave.models import Holiday, HolidayCalendar, LeaveLedgerEntry, LeaveRequest
from leave.tests.helpers import ask
from users.models import User
from users.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_2026_03_02")]

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 2 March 2026
REQUESTS = "/admin/leave/leaverequest/"
LEDGER = "/admin/leave/leaveledgerentry/"
CALENDARS = "/admin/leave/holidaycalendar/"
HOLIDAYS = "/admin/leave/holiday/"
TYPES = "/admin/leave/leavetype/"


def admin_client(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def run_action(client, action, *rows, url=REQUESTS, **extra):
    data = {"action": action, "_selected_action": [row.pk for row in rows], "index": "0", **extra}
    return client.post(url, data)


# --- the requests changelist -------------------------------------------------------------------


def test_manager_sees_their_teams_requests_pending_first_with_the_ledger_balance(
    funded, bob, dave, vacation, unpaid, password
):
    alice = funded
    decided = ask(alice, vacation, "2026-03-09", "2026-03-10")
    services.leave_request_approve(request_id=decided.pk, actor=bob)
    later_pending = ask(alice, vacation, "2026-04-13")
    sooner_pending = ask(alice, unpaid, "2026-03-23")
    daves = ask(dave, unpaid, "2026-03-16")

    response = admin_client(bob, password).get(REQUESTS)

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows == [sooner_pending, later_pending, decided]
    assert daves not in rows
    html = response.content.decode()
    assert "Dave" not in html
    # The ledger balance: 25 days accrued minus the 2 approved; pending requests are not subtracted.
    assert rows[1].ledger_balance == Decimal("23.00")
    assert html.count('<td class="field-balance_left">23 days</td>') == 2
    assert '<td class="field-balance_left">-</td>' in html  # unpaid leave keeps no balance
    assert "Balance left (ledger)" in html


def test_filters_offer_status_type_team_and_dates(funded, bob, vacation, password):
    ask(funded, vacation, "2026-03-09")
    html = admin_client(bob, password).get(REQUESTS).content.decode()
    assert "status__exact=pending" in html
    assert f"leave_type__id__exact={vacation.pk}" in html
    assert f"user__team__id__exact={funded.team_id}" in html
    assert "start_date__year=2026" in html  # the date hierarchy
    filtered = admin_client(bob, password).get(REQUESTS, {"status__exact": "approved"})
    assert list(filtered.context["cl"].result_list) == []


def test_changelist_queries_do_not_grow_with_the_rows(funded, bob, team_a, vacation, unpaid, password):
    client = admin_client(bob, password)
    colleagues = [
        UserFactory(team=team_a, date_joined=datetime(2020, 1, 1, tzinfo=UTC), email=f"member{n}@example.com")
        for n in range(8)
    ]
    services.leave_accrue_year(year=2026)
    days = ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12", "2026-03-13"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(REQUESTS).status_code == 200
        return len(context)

    for day in days:
        ask(funded, vacation, day)
    assert len(client.get(REQUESTS).context["cl"].result_list) == 5
    few = queries()
    for n, colleague in enumerate(colleagues[:7]):
        for day in days:
            ask(colleague, vacation if n % 2 else unpaid, day)
    assert len(client.get(REQUESTS).context["cl"].result_list) == 40
    assert queries() == few


# --- actions -----------------------------------------------------------------------------------


def test_approve_selected_approves_each_and_refuses_the_managers_own(funded, bob, vacation, unpaid, password):
    alices = ask(funded, vacation, "2026-03-09", "2026-03-10")
    bobs = ask(bob, unpaid, "2026-03-16")

    response = run_action(admin_client(bob, password), "approve_selected", alices, bobs)

    assert response.status_code == 302
    alices.refresh_from_db(), bobs.refresh_from_db()
    assert alices.status == LeaveRequest.Status.APPROVED and alices.decided_by == bob
    assert bobs.status == LeaveRequest.Status.PENDING and bobs.decided_by is None
    approved_message, refused = sorted(messages_of(response), key=lambda message: message[0] == "error")
    assert approved_message == ("success", f"{alices}: approved.")
    assert refused[0] == "error" and refused[1].startswith(f"{bobs}: You cannot approve") and "your own" in refused[1]
    assert LeaveLedgerEntry.objects.get(request=alices).amount == Decimal("-2.00")


def test_approve_reports_a_request_that_is_no_longer_pending(funded, bob, carol, vacation, password):
    cancelled = services.leave_request_cancel(request_id=ask(funded, vacation, "2026-03-09").pk, actor=funded)
    response = run_action(admin_client(carol, password), "approve_selected", cancelled)
    assert messages_of(response) == [("error", f"{cancelled}: The request is cancelled, not pending.")]


def test_reject_selected_asks_for_a_comment_first(funded, bob, vacation, password):
    pending = ask(funded, vacation, "2026-03-09")
    client = admin_client(bob, password)

    confirmation = run_action(client, "reject_selected", pending)
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert '<label class="required" for="id_comment">Why are these requests rejected?</label>' in html
    assert "<textarea" in html and "required" in html
    assert "<script" not in html.split('id="content"')[1] and "style=" not in html.split('id="content"')[1]

    without_comment = run_action(client, "reject_selected", pending, post="yes", comment="  ")
    assert without_comment.status_code == 200
    assert "This field is required." in without_comment.content.decode()
    pending.refresh_from_db()
    assert pending.status == LeaveRequest.Status.PENDING

    rejected = run_action(client, "reject_selected", pending, post="yes", comment="Release week")
    assert rejected.status_code == 302
    pending.refresh_from_db()
    assert pending.status == LeaveRequest.Status.REJECTED
    assert pending.decision_comment == "Release week" and pending.decided_by == bob
    assert messages_of(rejected) == [("success", f"{pending}: rejected.")]


# --- scoping and read-only requests --------------------------------------------------------------


def test_another_teams_request_is_not_found(funded, bob, dave, unpaid, password):
    daves = ask(dave, unpaid, "2026-03-16", reason="Moving house")
    client = admin_client(bob, password)

    response = client.get(f"{REQUESTS}{daves.pk}/change/")

    assert response.status_code == 302 and response["Location"] == "/admin/"
    followed = client.get(response["Location"]).content.decode()
    assert "Moving house" not in followed and "Dave" not in followed
    assert client.get(f"{REQUESTS}{ask(funded, unpaid, '2026-03-17').pk}/change/").status_code == 200


def test_requests_are_never_added_edited_or_deleted_in_the_admin(funded, bob, carol, vacation, password):
    decided = ask(funded, vacation, "2026-03-09")
    services.leave_request_approve(request_id=decided.pk, actor=bob)
    for user in (bob, carol):
        client = admin_client(user, password)
        page = client.get(f"{REQUESTS}{decided.pk}/change/")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'name="status"' not in html and 'name="start_date"' not in html
        assert "24 days" in html  # the ledger balance is shown on the request too
        changed = client.post(
            f"{REQUESTS}{decided.pk}/change/",
            {"status": "pending", "start_date": "2026-03-10", "end_date": "2026-03-10"},
        )
        assert changed.status_code == 403
        assert client.post(f"{REQUESTS}{decided.pk}/delete/", {"post": "yes"}).status_code == 403
        assert client.get(f"{REQUESTS}add/").status_code == 403
    decided.refresh_from_db()
    assert decided.status == LeaveRequest.Status.APPROVED and decided.start_date == date(2026, 3, 9)
    assert LeaveRequest.objects.count() == 1


# --- the ledger ----------------------------------------------------------------------------------


def test_managers_only_look_at_the_ledger(funded, bob, dave, vacation, password):
    client = admin_client(bob, password)
    listing = client.get(LEDGER)
    assert listing.status_code == 200
    assert {row.user for row in listing.context["cl"].result_list} <= {funded, bob}
    assert client.get(f"{LEDGER}add/").status_code == 403
    assert (
        client.post(f"{LEDGER}add/", {"user": funded.pk, "leave_type": vacation.pk, "amount": "5"}).status_code == 403
    )
    row = LeaveLedgerEntry.objects.filter(user=funded).first()
    assert client.post(f"{LEDGER}{row.pk}/change/", {"amount": "50"}).status_code == 403
    for url in (TYPES, CALENDARS, HOLIDAYS):
        assert client.get(url).status_code == 200
    assert client.get(f"{TYPES}add/").status_code == 403
    assert client.get(f"{CALENDARS}add/").status_code == 403
    assert client.get(f"{HOLIDAYS}add/").status_code == 403


def test_admin_adds_an_adjustment_with_a_note_through_the_service(funded, carol, vacation, password):
    client = admin_client(carol, password)
    before = LeaveLedgerEntry.objects.count()
    form = {"user": funded.pk, "leave_type": vacation.pk, "amount": "2.5", "date": "2026-03-02"}

    without_note = client.post(f"{LEDGER}add/", form)
    assert without_note.status_code == 200
    assert without_note.context["adminform"].form.errors == {"note": ["This field is required."]}
    assert LeaveLedgerEntry.objects.count() == before

    added = client.post(f"{LEDGER}add/", {**form, "note": "Overtime in February"})
    assert added.status_code == 302, added.content.decode()[:2000]
    entry = LeaveLedgerEntry.objects.get(kind=LeaveLedgerEntry.Kind.ADJUSTMENT)
    assert (entry.user, entry.amount, entry.note, entry.created_by) == (
        funded,
        Decimal("2.50"),
        "Overtime in February",
        carol,
    )
    assert AuditEvent.objects.get(action="leave_adjusted").actor == carol
    # Once written, nobody changes or deletes a ledger row.
    assert client.post(f"{LEDGER}{entry.pk}/change/", {"note": "x", "amount": "9"}).status_code == 403
    assert client.post(f"{LEDGER}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.amount == Decimal("2.50")


def test_a_refused_adjustment_shows_the_services_reason(funded, carol, vacation, password):
    response = admin_client(carol, password).post(
        f"{LEDGER}add/",
        {"user": funded.pk, "leave_type": vacation.pk, "amount": "0", "date": "2026-03-02", "note": "Nothing"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"amount": ["An adjustment needs a non-zero amount."]}
    assert not LeaveLedgerEntry.objects.filter(kind=LeaveLedgerEntry.Kind.ADJUSTMENT).exists()


# --- holidays and types --------------------------------------------------------------------------


def test_admin_imports_a_years_holidays_after_asking_for_the_year(carol, bob, bavaria, password):
    client = admin_client(carol, password)

    confirmation = run_action(client, "import_holidays", bavaria, url=CALENDARS)
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert '<label class="required" for="id_year">Year</label>' in html and 'value="2026"' in html

    imported = run_action(client, "import_holidays", bavaria, url=CALENDARS, post="yes", year="2026")
    assert imported.status_code == 302
    holidays = Holiday.objects.filter(calendar=bavaria, date__year=2026)
    assert holidays.count() >= 12 and holidays.filter(date=date(2026, 1, 6)).exists()  # Epiphany is Bavarian
    assert messages_of(imported) == [("success", f"Bavaria: {holidays.count()} holidays of 2026 imported.")]

    # Managers are not offered the action, and posting it changes nothing.
    Holiday.objects.all().delete()
    run_action(admin_client(bob, password), "import_holidays", bavaria, url=CALENDARS, post="yes", year="2026")
    assert not Holiday.objects.exists()


def test_adding_and_removing_a_holiday_recounts_approved_leave(funded, bob, carol, bavaria, vacation, password):
    week = ask(funded, vacation, "2026-03-09", "2026-03-13")
    services.leave_request_approve(request_id=week.pk, actor=bob)
    client = admin_client(carol, password)

    added = client.post(f"{HOLIDAYS}add/", {"calendar": bavaria.pk, "date": "2026-03-11", "name": "Company day"})

    assert added.status_code == 302, added.content.decode()[:2000]
    holiday = Holiday.objects.get(calendar=bavaria, date=date(2026, 3, 11))
    week.refresh_from_db()
    assert week.working_days == 4
    assert LeaveLedgerEntry.objects.filter(request=week, kind=LeaveLedgerEntry.Kind.ADJUSTMENT).get().amount == 1

    assert client.post(f"{HOLIDAYS}{holiday.pk}/change/", {"name": "Renamed"}).status_code == 403
    deleted = client.post(f"{HOLIDAYS}{holiday.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    week.refresh_from_db()
    assert week.working_days == 5


def test_admin_edits_a_leave_type_through_the_catalog_service(carol, bob, vacation, password):
    form = {
        "name": "Annual leave",
        "code": "vacation",
        "color": "#2e7d32",
        "unit": "day",
        "paid": "on",
        "requires_approval": "on",
        "tracks_balance": "on",
        "annual_allowance": "28",
        "max_carry_over": "5",
        "carry_over_expires_month": "3",
        "carry_over_expires_day": "31",
        "half_days_allowed": "on",
        "neutral_for_working_time": "on",
        "active": "on",
    }
    assert admin_client(bob, password).post(f"{TYPES}{vacation.pk}/change/", form).status_code == 403

    response = admin_client(carol, password).post(f"{TYPES}{vacation.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    vacation.refresh_from_db()
    assert vacation.name == "Annual leave" and vacation.annual_allowance == 28
    assert AuditEvent.objects.get(action="leavetype_saved").actor == carol
    assert admin_client(carol, password).post(f"{TYPES}{vacation.pk}/delete/", {"post": "yes"}).status_code == 403


def test_admin_adds_a_calendar_through_the_catalog_service(carol, password):
    response = admin_client(carol, password).post(
        f"{CALENDARS}add/",
        {
            "name": "Austria",
            "country": "AT",
            "subdivision": "",
            "holidays-TOTAL_FORMS": "0",
            "holidays-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = HolidayCalendar.objects.get(name="Austria")
    assert AuditEvent.objects.get(action="holidaycalendar_saved").target_id == str(calendar.pk)

    holiday = services.holiday_create(calendar=calendar, day=date(2026, 10, 26), name="Nationalfeiertag", actor=carol)
    renamed = admin_client(carol, password).post(
        f"{CALENDARS}{calendar.pk}/change/",
        {
            "name": "Austria (all states)",
            "country": "AT",
            "subdivision": "",
            "holidays-TOTAL_FORMS": "1",
            "holidays-INITIAL_FORMS": "1",
            "holidays-0-id": holiday.pk,
            "holidays-0-calendar": calendar.pk,
        },
    )
    assert renamed.status_code == 302, renamed.content.decode()[:2000]
    calendar.refresh_from_db()
    assert calendar.name == "Austria (all states)" and list(calendar.holidays.all()) == [holiday]


# --- demo data and the import command ------------------------------------------------------------


def test_seed_demo_is_idempotent_for_leave():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (LeaveRequest.objects.count(), LeaveLedgerEntry.objects.count(), Holiday.objects.count())
    call_command("seed_demo", stdout=io.StringIO())

    assert (LeaveRequest.objects.count(), LeaveLedgerEntry.objects.count(), Holiday.objects.count()) == counts
    calendar = HolidayCalendar.objects.get(name="Germany (Bavaria)")
    assert {team.name for team in calendar.teams.all()} == {"Engineering", "Operations"}
    assert {day.year for day in calendar.holidays.values_list("date", flat=True)} == {2025, 2026, 2027}
    alice, dave = User.objects.get(email="alice@example.com"), User.objects.get(email="dave@example.com")
    assert sorted(LeaveRequest.objects.filter(user=alice).values_list("status", flat=True)) == ["approved", "pending"]
    approved = LeaveRequest.objects.get(user=alice, status="approved")
    assert approved.start_date > NOW.date() and approved.decided_by.email == "mia.manager@example.com"
    sick = LeaveRequest.objects.get(user=dave)
    assert sick.leave_type.code == "sick" and sick.start_date < NOW.date() and sick.status == "approved"
    # Employed from the demo's first logged week: the pro-rated accrual and what the previous
    # system owed make a full year's 25 days.
    full_year = LeaveLedgerEntry.objects.filter(user=alice, kind__in=["accrual", "adjustment"], request__isnull=True)
    assert sum(full_year.values_list("amount", flat=True)) == 25


def test_import_holidays_command_creates_the_calendar_and_imports_once():
    out = io.StringIO()
    call_command(
        "import_holidays",
        "--name",
        "Germany (Bavaria)",
        "--country",
        "DE",
        "--subdivision",
        "BY",
        "--year",
        "2026",
        stdout=out,
    )
    calendar = HolidayCalendar.objects.get(name="Germany (Bavaria)")
    assert (calendar.country, calendar.subdivision) == ("DE", "BY")
    count = calendar.holidays.count()
    assert count >= 12 and calendar.holidays.filter(date=date(2026, 1, 6)).exists()
    assert "Created holiday calendar" in out.getvalue()

    again = io.StringIO()
    call_command("import_holidays", "--calendar", str(calendar.pk), "--year", "2026", stdout=again)
    assert calendar.holidays.count() == count and "0 holidays of 2026" in again.getvalue()
    call_command("import_holidays", "--calendar", "germany (bavaria)", "--year", "2027", stdout=io.StringIO())
    assert calendar.holidays.filter(date__year=2027).count() >= 12

    with pytest.raises(CommandError, match="No holiday calendar 'Atlantis'"):
        call_command("import_holidays", "--calendar", "Atlantis", "--year", "2026")
    with pytest.raises(CommandError, match="No holidays known for country 'XX'"):
        call_command("import_holidays", "--name", "Nowhere", "--country", "XX", "--year", "2026")
    assert not HolidayCalendar.objects.filter(name="Nowhere").exists()
