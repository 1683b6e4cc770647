"""Leave fixtures shared by the API, admin, page, ICS and service tests. The calendar is
Bavaria's, on alice's team (team A). The leave types (`vacation`, `sick`, `unpaid`, seeded by
the data migration) and the clock (`frozen_2026_03_02`, Monday 2 March 2026) come from the
root conftest.py."""

from datetime import UTC, datetime

import pytest

from leave import services
from leave.models import HolidayCalendar


@pytest.fixture
def bavaria(team_a):
    calendar = HolidayCalendar.objects.create(name="Bavaria", country="DE", subdivision="BY")
    team_a.holiday_calendar = calendar
    team_a.save()
    return calendar


@pytest.fixture
def funded(frozen_2026_03_02, alice, bob, carol, dave):
    """Alice has worked here for years, so 2026 gives her the full 25 days of vacation."""
    alice.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    alice.save()
    services.leave_accrue_year(year=2026)
    return alice
