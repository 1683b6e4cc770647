"""Migration 0006: entries whose times the week grid invented become duration entries; the
timer's, and entries with real times, stay clocked. On SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import AuditEvent
from timeentries.models import TimeEntry

BERLIN = ZoneInfo("Europe/Berlin")
BEFORE = [("timeentries", "0005_entry_kinds")]


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """November `day`, 2026 at hour:minute in Berlin, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


@pytest.mark.django_db(transaction=True)
def test_grid_pattern_entries_become_durations_and_timer_entries_stay_clocked(alice, bob, acme, internal):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Entry = apps.get_model("timeentries", "TimeEntry")

    def row(user, start, end, *, text, created=None, break_minutes=0, project=acme, grid_cell=False):
        # The grid's cell never wrote a description; every other writer's text is kept.
        entry = Entry.objects.create(
            user_id=user.pk,
            project_id=project.pk,
            kind="clocked",
            day=start.astimezone(BERLIN).date(),
            start=start,
            end=end,
            break_minutes=break_minutes,
            duration=None if end is None else end - start - timedelta(minutes=break_minutes),
            description="" if grid_cell else text,
        )
        # Logged the evening after, unless said otherwise (the timer writes as work starts).
        Entry.objects.filter(pk=entry.pk).update(created_at=created or start + timedelta(hours=12))
        return entry.pk

    grid = [
        row(alice, local(2, 9), local(2, 13), text="grid: Monday from 09:00", grid_cell=True),
        row(alice, local(2, 13), local(2, 17), text="grid: back to back", project=internal, grid_cell=True),
        row(alice, local(2, 17), local(2, 17, 30), text="grid: third in the chain", grid_cell=True),
        row(alice, local(6, 0), local(6, 3), text="grid: 24 h cut back to 3 h at midnight", grid_cell=True),
        row(bob, local(4, 9), local(4, 16, 30), text="grid: bob's Wednesday", grid_cell=True),
    ]
    real = [
        row(alice, local(3, 9), local(3, 10), text="timer from 09:00", created=local(3, 9) + timedelta(seconds=0.4)),
        row(alice, local(3, 10), local(3, 12), text="after the timer: not a grid chain"),
        row(alice, local(4, 8), local(4, 16, 30), text="clocked with a break", break_minutes=30),
        row(alice, local(5, 9), local(5, 17), text="09:00 but with a break", break_minutes=45),
        row(alice, local(5, 22), local(6, 0, 0), text="22:00 to midnight, not anchored"),
        row(alice, local(7, 22), local(8, 2), text="night crossing midnight"),
        row(alice, local(9, 9, 0), None, text="running timer", created=local(9, 9)),
        row(bob, local(4, 16, 45), local(4, 18), text="gap after the chain"),
        # 09:00 sharp, no break, logged later, but described: the grid never wrote that.
        row(bob, local(5, 9), local(5, 11), text="client call, logged through the API"),
    ]
    durations_before = dict(Entry.objects.filter(end__isnull=False).values_list("pk", "duration"))

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    converted = TimeEntry.objects.filter(pk__in=grid)
    assert {(e.kind, e.start, e.end, e.break_minutes) for e in converted} == {("duration", None, None, 0)}
    assert {e.pk: e.duration for e in converted} == {pk: durations_before[pk] for pk in grid}
    assert {e.pk: e.day.day for e in converted} == dict(zip(grid, [2, 2, 2, 6, 4], strict=True))
    kept = TimeEntry.objects.filter(pk__in=real)
    assert {e.kind for e in kept} == {"clocked"} and all(e.start is not None for e in kept)
    assert TimeEntry.objects.get(description="running timer").end is None

    events = {event.subject_id: event for event in AuditEvent.objects.filter(action="time_entries_times_removed")}
    assert set(events) == {alice.pk, bob.pk}
    assert events[alice.pk].actor_label == "system:migration timeentries.0006"
    assert sorted(item["id"] for item in events[alice.pk].data["entries"]) == sorted(grid[:4])
    first = next(item for item in events[alice.pk].data["entries"] if item["id"] == grid[0])
    assert first["start"] == local(2, 9).isoformat()
