from datetime import UTC, datetime

import pytest
import time_machine

from timeentries.models import Client, Project, Task

# Thursday of ISO week 2026-W46 (Mon 9 Nov to Sun 15 Nov), mid-afternoon in Berlin.
NOW = datetime(2026, 11, 12, 14, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def acme(db):
    client = Client.objects.create(name="Acme Corp")
    return Project.objects.create(client=client, name="Acme website", code="ACME", hourly_rate=100)


@pytest.fixture
def acme_dev(acme):
    return Task.objects.create(project=acme, name="Development")


@pytest.fixture
def internal(db):
    return Project.objects.create(name="Internal", code="INT", billable=False)


@pytest.fixture
def internal_meetings(internal):
    return Task.objects.create(project=internal, name="Meetings")
