"""Compliance fixtures. The clock (`frozen_2026_03_04`, Wednesday of ISO week 2026-W10) comes
from the root conftest.py."""

import pytest

from compliance.tests.factories import violation_of
from timeentries.models import Project


@pytest.fixture
def ops(db):
    return Project.objects.create(name="Operations", code="OPS")


@pytest.fixture
def alices(alice):
    """A daily-rest violation of alice's on Tuesday 3 March 2026."""
    return violation_of(alice)


@pytest.fixture
def daves(dave):
    """A daily-rest violation of dave's on Tuesday 3 March 2026."""
    return violation_of(dave)
