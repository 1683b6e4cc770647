"""The search document of an entry rounds its hours with `core.periods.hours`, like every
other surface: 8 h 07 min 30 s is 8.13, not float round's 8.12."""

from datetime import UTC, datetime, timedelta

import pytest

from search import indexing
from timeentries.models import TimeEntry

pytestmark = pytest.mark.no_es


def test_the_entry_document_reads_8_13_hours(fake_es, alice, acme):
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    entry = TimeEntry.objects.create(
        user=alice, project=acme, start=start, end=start + timedelta(hours=8, minutes=7, seconds=30)
    )

    assert indexing.index_object("timeentries.timeentry", entry.pk) == "indexed"

    (put,) = fake_es.of("PUT")
    assert put.body["hours"] == 8.13
