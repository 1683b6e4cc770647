"""Analytics fixtures. The clock (`frozen_2026_11_26`) and the catalogue (`acme` at 95.50,
`acme_dev`, `internal`) come from the root conftest.py."""

from datetime import timedelta

import pytest

from timeentries.models import TimeEntry
from timeentries.services import time_entry_create


@pytest.fixture
def log():
    """`log(user, project, start, end, billable=True, task=None, break_minutes=0)`: a finished
    clocked entry (aware datetimes)."""

    def create(user, project, start, end, *, billable=True, task=None, break_minutes=0):
        return TimeEntry.objects.create(
            user=user, project=project, task=task, start=start, end=end, billable=billable, break_minutes=break_minutes
        )

    return create


@pytest.fixture
def log_duration():
    """`log_duration(user, project, day, hours, billable=True, task=None)`: a duration entry
    (hours on a local day, no times), written by the service as the grid and API write it."""

    def create(user, project, day, hours, *, billable=True, task=None):
        return time_entry_create(
            actor=user, project=project, task=task, day=day, duration=timedelta(hours=hours), billable=billable
        )

    return create
