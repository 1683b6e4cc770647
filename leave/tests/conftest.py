"""Leave fixtures shared by the API, admin, page, ICS and service tests. The leave types
come from the data migration; the calendar is Bavaria's, on alice's team (team A)."""

from datetime import UTC, datetime

import pytest
import time_machine

from leave import services
from leave.models import HolidayCalendar, LeaveType

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 2 March 2026


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def vacation(db):
    return LeaveType.objects.get(code="vacation")


@pytest.fixture
def sick(db):
    return LeaveType.objects.get(code="sick")


@pytest.fixture
def bavaria(team_a):
    calendar = HolidayCalendar.objects.create(name="Bavaria", country="DE", subdivision="BY")
    team_a.holiday_calendar = calendar
    team_a.save()
    return calendar


@pytest.fixture
def unpaid(db):
    return LeaveType.objects.get(code="unpaid")


@pytest.fixture
def funded(frozen, alice, bob, carol, dave):
    """Alice has worked here for years, so 2026 gives her the full 25 days of vacation."""
    alice.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    alice.save()
    services.leave_accrue_year(year=2026)
    return alice
