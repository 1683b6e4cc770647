from datetime import UTC, datetime

import pytest
import time_machine

from timeentries.models import Project

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # Wednesday of ISO week 2026-W10


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ops(db):
    return Project.objects.create(name="Operations", code="OPS")
