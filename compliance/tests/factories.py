"""Helpers that set up working time for the compliance tests, in Berlin local time."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from compliance.models import Violation
from timeentries.models import TimeEntry

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: date, hour: float, tz=BERLIN) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(hours=hour)


def worked(user, project, day: date, start_hour: float, hours: float, break_minutes: int = 0) -> TimeEntry:
    """A clocked entry written straight to the table: no live check runs, no violation is
    recorded. `hours` is the span from start to end; the break is inside it."""
    return TimeEntry.objects.create(
        user=user,
        project=project,
        start=at(day, start_hour),
        end=at(day, start_hour + hours),
        break_minutes=break_minutes,
    )


def hours_on(user, project, day: date, hours: float) -> TimeEntry:
    """A duration entry (hours on a day, no times), straight to the table like `worked`."""
    return TimeEntry.objects.create(
        user=user, project=project, kind=TimeEntry.Kind.DURATION, day=day, duration=timedelta(hours=hours)
    )


def violation_of(
    user, *, rule: str = Violation.Rule.DAILY_REST, day: date = date(2026, 3, 3), model=Violation, **fields
) -> Violation:
    """A violation straight to the table (`model`: a migration test's historical one)."""
    defaults = {
        "measured": Decimal("8.00"),
        "limit": Decimal("11.00"),
        "message": f"Only 8 h of rest since yesterday 22:00, before work at 06:00 on {day:%a} {day.day} {day:%b}; "
        "11 h are required.",
        "period_start": day - timedelta(days=1),
        "period_end": day,
    }
    return model.objects.create(user_id=user.pk, rule=rule, **{**defaults, **fields})
