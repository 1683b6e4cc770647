"""compliance 0006: the violations the week grid's invented times caused are resolved with a
note once those entries are duration entries; real findings stay. Run with the migration
executor, forwards and backwards, on SQLite and PostgreSQL alike."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from compliance.models import Violation
from compliance.tests.factories import hours_on, violation_of, worked
from timeentries.models import Project

BEFORE = [("compliance", "0005_policy_clocked_times_and_resolution_note")]
NOTE_START = "Resolved when entries got two kinds (issue 14): the times behind this finding were invented"


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_invented_time_findings_are_resolved_with_a_note_and_real_ones_stay(api, alice, bob):
    migrate(BEFORE)
    ops = Project.objects.create(name="Operations", code="OPS")
    grid = hours_on(alice, ops, date(2026, 3, 3), 8)
    clocked = worked(alice, ops, date(2026, 3, 4), 8, 9)

    # Rows as the table stood then (later migrations added columns the model has now).
    historical = MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model("compliance", "Violation")

    def on(day: int, rule: str, entries: list[int], **fields) -> Violation:
        return violation_of(alice, rule=rule, day=date(2026, 3, day), entries=entries, model=historical, **fields)

    invented_breaks = on(3, "breaks", [grid.pk])
    invented_rest_gone = on(5, "daily_rest", [grid.pk, 999_999])  # the other entry no longer exists
    acknowledged = on(
        9,
        "weekly_rest",
        [grid.pk],
        status="acknowledged",
        acknowledged_by_id=bob.pk,
        acknowledged_at=timezone.now(),
        comment="Talked to Alice.",
    )
    real_breaks = on(4, "breaks", [clocked.pk])
    mixed_rest = on(10, "daily_rest", [grid.pk, clocked.pk])
    daily_max = on(11, "daily_max", [grid.pk])  # durations count in the daily maximum: stays
    already = on(12, "breaks", [grid.pk], status="resolved", resolution_note="Fixed by hand.")

    migrate(None)

    def state(violation: Violation) -> tuple[str, str]:
        violation.refresh_from_db()
        return violation.status, violation.resolution_note[: len(NOTE_START)]

    for resolved in (invented_breaks, invented_rest_gone, acknowledged):
        assert state(resolved) == ("resolved", NOTE_START)
        assert resolved.resolved_at is not None
    assert acknowledged.comment == "Talked to Alice."
    for kept in (real_breaks, mixed_rest, daily_max):
        assert state(kept) == ("open", "")
    assert state(already) == ("resolved", "Fixed by hand.")
    shown = api(bob).get(f"/api/v1/compliance/violations/{invented_breaks.pk}").json()
    assert shown["status"] == "resolved" and shown["resolution_note"].startswith(NOTE_START)

    migrate(BEFORE)  # backwards: what this resolved is open (or acknowledged) again

    assert state(invented_breaks) == ("open", "") and invented_breaks.resolved_at is None
    assert state(acknowledged) == ("acknowledged", "")
    assert state(already) == ("resolved", "Fixed by hand.")
    migrate(None)
