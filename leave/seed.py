"""Demo leave for `seed_demo`: a Bavarian holiday calendar for both demo teams, a full year of
allowance for everyone (the pro-rated accrual topped up by what a previous system owed), and a
few requests made and decided through the services like real use.

Idempotent: the calendar is found by name and a year already in it is not imported again;
accrual writes each ledger row once; a person who already has requests gets no new ones.
"""

from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from leave import services
from leave.models import HolidayCalendar, LeaveLedgerEntry, LeaveRequest, LeaveType
from timeentries.seed import sick_day_of_dave
from users.management.commands.seed_demo import ADMIN, DEMO_TEAMS
from users.models import Team, User

CALENDAR = {"name": "Germany (Bavaria)", "country": "DE", "subdivision": "BY"}
HOLIDAY_YEARS = (2025, 2026, 2027)
JOINED = datetime(2024, 1, 1, tzinfo=UTC)  # early enough for a full year's allowance


def _calendar() -> HolidayCalendar:
    calendar, _ = HolidayCalendar.objects.get_or_create(
        name=CALENDAR["name"], defaults={"country": CALENDAR["country"], "subdivision": CALENDAR["subdivision"]}
    )
    for year in HOLIDAY_YEARS:
        if not calendar.holidays.filter(date__year=year).exists():
            services.holidays_import(calendar=calendar, year=year)
    for team in Team.objects.filter(name__in=DEMO_TEAMS):
        if team.holiday_calendar_id != calendar.pk:
            team.holiday_calendar = calendar
            team.save(update_fields=["holiday_calendar"])
    return calendar


def _monday_in(today: date, weeks: int) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


def _alice_requests(alice: User, manager: User, today: date) -> None:
    """An approved week of vacation in three weeks, and a day and a half waiting in seven."""
    vacation = LeaveType.objects.get(code="vacation")
    approved_from = _monday_in(today, 3)
    approved = services.leave_request_create(
        actor=alice,
        leave_type=vacation,
        start_date=approved_from,
        end_date=approved_from + timedelta(days=4),
        reason="Family trip",
    )
    services.leave_request_approve(request_id=approved.pk, actor=manager, comment="Enjoy!")
    pending_from = _monday_in(today, 7)
    services.leave_request_create(
        actor=alice,
        leave_type=vacation,
        start_date=pending_from,
        end_date=pending_from + timedelta(days=1),
        end_half=LeaveRequest.Half.MORNING,
        reason="Long weekend",
    )


def _dave_requests(dave: User, manager: User, today: date) -> None:
    """Sick last Wednesday, the day the time seed left without work, in his week not handed
    in yet (sick leave needs no approval)."""
    sick_day = sick_day_of_dave(_monday_in(today, 0))
    services.leave_request_create(
        actor=dave, leave_type=LeaveType.objects.get(code="sick"), start_date=sick_day, end_date=sick_day
    )


REQUESTS = {"alice@example.com": _alice_requests, "dave@example.com": _dave_requests}


def _previous_system_leave(emails: list[str], year: int) -> None:
    """The demo people started here with their first logged week, so the year's allowance is
    pro-rated; what their previous system still owed them tops vacation up to a full year's
    (one ledger row each, written once)."""
    vacation = LeaveType.objects.get(code="vacation")
    for user in User.objects.filter(email__in=emails):
        owed = vacation.annual_allowance - services.prorated_allowance(user, vacation, year)
        if owed > 0:
            services.ledger_write(
                key=f"demo-previous-system:{user.pk}:{vacation.pk}:{year}",
                user=user,
                leave_type=vacation,
                on=max(date(year, 1, 1), user.employment_start),
                amount=owed,
                kind=LeaveLedgerEntry.Kind.ADJUSTMENT,
                note="Vacation left from the previous system",
            )


def seed_demo_leave(stdout) -> None:
    calendar = _calendar()
    emails = [ADMIN[0]] + [email for spec in DEMO_TEAMS.values() for email, *_ in [spec["manager"], *spec["members"]]]
    for user in User.objects.filter(email__in=emails, date_joined__gt=JOINED):
        user.date_joined = JOINED
        user.save(update_fields=["date_joined"])
    year = timezone.now().year
    accrued = services.leave_accrue_year(year=year)
    _previous_system_leave(emails, year)
    people = 0
    for email, make_requests in REQUESTS.items():
        user = User.objects.select_related("team").get(email=email)
        if LeaveRequest.objects.filter(user=user).exists():
            continue
        manager = user.team.managers.order_by("pk").first()
        try:
            with transaction.atomic():
                make_requests(user, manager, user.local_today())
        except DomainError as error:  # e.g. a holiday or an earlier request in the way
            stdout.write(f"  Leave: skipped {email}: {error.detail}")
            continue
        people += 1
    # From LEAVE_NOTICE_DATE on, the daily job tells people what lapses when; the demo does
    # what the job would have done by today (nothing before the notice date).
    notices = services.leave_forfeiture_notices_send_due(today=timezone.localdate())
    stdout.write(
        f"Leave: calendar {calendar} with {calendar.holidays.count()} holidays; "
        f"{accrued['accrual']} allowances of {year} credited; requests for {people} new people; "
        f"{notices} forfeiture notices sent."
    )
