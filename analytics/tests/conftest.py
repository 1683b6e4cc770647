"""Analytics fixtures. The clock (`frozen_2026_11_26`) and the catalogue (`acme` at 95.50,
`acme_dev`, `internal`) come from the root conftest.py."""

import pytest

from timeentries.models import TimeEntry


@pytest.fixture
def log():
    """`log(user, project, start, end, billable=True, task=None)`: a finished entry (aware datetimes)."""

    def create(user, project, start, end, *, billable=True, task=None):
        return TimeEntry.objects.create(user=user, project=project, task=task, start=start, end=end, billable=billable)

    return create
