"""Migration 0005 (issue 14): every existing entry becomes a clocked entry whose `day` is its
start's local day in the owner's time zone and whose `duration` is its length; the overlap
constraint then judges clocked entries only, so a duration entry can sit on a day with
clocked work."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from conftest import requires_postgres
from timeentries.models import Project, TimeEntry

BEFORE = ("timeentries", "0004_entry_length_check")


def _insert(user, project, start, end, text):
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO timeentries_timeentry (user_id, project_id, start, "end", description, billable,'
            " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [user.pk, project.pk, start, end, text, True, start, start],
        )


@pytest.mark.django_db(transaction=True)
def test_existing_entries_become_clocked_with_their_local_day_and_length(alice):
    alice.timezone = "Europe/Berlin"
    alice.save()
    project = Project.objects.create(code="WEB", name="Website")
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin: the local day counts, not UTC's.
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    _insert(alice, project, late, late + timedelta(hours=2), "night")
    morning = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    _insert(alice, project, morning, None, "timer still running")

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    night = TimeEntry.objects.get(description="night")
    assert (night.kind, night.day, night.duration) == ("clocked", datetime(2026, 3, 2).date(), timedelta(hours=2))
    running = TimeEntry.objects.get(description="timer still running")
    assert (running.kind, running.day, running.duration, running.is_running) == (
        "clocked",
        datetime(2026, 3, 3).date(),
        None,
        True,
    )


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_the_overlap_constraint_judges_clocked_entries_only(alice):
    project = Project.objects.create(code="WEB", name="Website")
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    TimeEntry.objects.create(user=alice, project=project, start=start, end=start + timedelta(hours=8))
    # Two duration entries on the same day as the clocked work: no range, no clash.
    for hours in (2, 3):
        TimeEntry.objects.create(
            user=alice, project=project, kind="duration", day=start.date(), duration=timedelta(hours=hours)
        )
    with pytest.raises(IntegrityError, match="timeentry_no_overlap"), transaction.atomic():
        TimeEntry.objects.create(
            user=alice, project=project, start=start + timedelta(hours=1), end=start + timedelta(hours=2)
        )
    # A duration entry with times, or without its length, is refused by the kind's shape.
    with pytest.raises(IntegrityError, match="timeentry_kind_shape"), transaction.atomic():
        TimeEntry.objects.filter(kind="duration").update(start=start)
    with pytest.raises(IntegrityError, match="timeentry_duration_range"), transaction.atomic():
        TimeEntry.objects.filter(kind="duration").update(duration=timedelta(hours=25))
