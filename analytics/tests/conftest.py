from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from timeentries.models import Client, Project, Task, TimeEntry

# A Thursday in November 2026; the reports below look at October and November.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def acme(db):
    client = Client.objects.create(name="Acme Corp")
    return Project.objects.create(client=client, name="Acme website", code="ACME", hourly_rate=Decimal("95.50"))


@pytest.fixture
def acme_dev(acme):
    return Task.objects.create(project=acme, name="Development")


@pytest.fixture
def internal(db):
    return Project.objects.create(name="Internal", code="INT", billable=False)


@pytest.fixture
def log():
    """`log(user, project, start, end, billable=True, task=None)`: a finished entry (aware datetimes)."""

    def create(user, project, start, end, *, billable=True, task=None):
        return TimeEntry.objects.create(user=user, project=project, task=task, start=start, end=end, billable=billable)

    return create
