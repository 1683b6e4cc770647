"""Time entry fixtures. The clock (`frozen_2026_11_12`, Thursday of ISO week 2026-W46) and the
catalogue (`acme`, `acme_dev`, `internal`) come from the root conftest.py."""

import pytest

from timeentries.models import Task


@pytest.fixture
def internal_meetings(internal):
    return Task.objects.create(project=internal, name="Meetings")
