"""A write on time is its checks, its row and its audit row in a few statements; the
compliance judgement follows the commit (issue 21: bench e)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from compliance.models import Violation
from timeentries.services import time_entry_create, time_entry_update

MONDAY_0900 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def statements(captured) -> list[str]:
    """What the write sent, less the savepoints of the caller's transaction around it and
    webhooks' read of its subscriptions (cached per process, so only now and then)."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].lstrip().startswith(("SAVEPOINT", "RELEASE")) and '"webhooks_webhook"' not in q["sql"]
    ]


@pytest.mark.django_db
def test_an_entry_is_written_in_three_statements_and_judged_after_the_commit(
    alice, internal, django_capture_on_commit_callbacks
):
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement read of locks and access is PostgreSQL's")
    # The week's timesheet exists from here on (a new week costs its row and audit row).
    time_entry_create(actor=alice, project=internal, start=MONDAY_0900, end=MONDAY_0900 + timedelta(hours=1))
    # A caller's transaction around the write: the judgement waits for its commit.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with CaptureQueriesContext(connection) as written:
            long_day = time_entry_create(
                actor=alice,
                project=internal,
                start=MONDAY_0900 + timedelta(hours=1),
                end=MONDAY_0900 + timedelta(hours=11),
                break_minutes=45,
            )
        assert len(statements(written)) == 3, statements(written)  # access+locks+day, row, audit row
        assert long_day.compliance_warnings == []
        assert not Violation.objects.filter(user=alice, rule="daily_max").exists()
    assert "daily_max" in {warning["rule"] for warning in long_day.compliance_warnings}
    assert Violation.objects.filter(user=alice, rule="daily_max").exists()


@pytest.mark.django_db
def test_an_entry_is_changed_in_four_statements(alice, internal):
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement read of locks and access is PostgreSQL's")
    entry = time_entry_create(actor=alice, project=internal, start=MONDAY_0900, end=MONDAY_0900 + timedelta(hours=1))
    with transaction.atomic(), CaptureQueriesContext(connection) as written:
        time_entry_update(entry=entry, actor=alice, end=MONDAY_0900 + timedelta(hours=2), description="longer")
    assert len(statements(written)) == 4, statements(written)  # the locked row, access+locks+day, row, audit row
    entry.refresh_from_db()
    assert entry.duration == timedelta(hours=2)
