"""What a judgement records, seen from outside: a time entry's write is judged in a fixed
handful of queries whatever it finds, and the violations it writes set-based still leave
their history in the audit API, reach the dashboards at once (through their cache) and
send one `violation.created` webhook event each (webhooks/tests/test_events.py)."""

import threading
from datetime import date

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.db import connection

from compliance.models import Violation
from compliance.tests.factories import violation_of, worked
from conftest import requires_postgres
from core.audit import audit_log_bulk
from imports.tasks import import_judge
from imports.tests.helpers import ENTRY_HEADER, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_2026_03_04")]
ENTRIES, CHANGES = "/api/v1/time-entries", "/api/v1/audit-logs/changes"
LONG_TUESDAY = {"start": "2026-03-03T06:00:00Z", "end": "2026-03-03T17:30:00Z"}  # 11.5 h, no break
LONG_MONDAY = {"start": "2026-03-02T06:00:00Z", "end": "2026-03-02T17:00:00Z"}


def post(client, project, span) -> dict:
    response = client.post(ENTRIES, {"project": project.pk, **span}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_write_is_judged_in_a_fixed_number_of_queries(api, alice, ops, django_assert_num_queries):
    if connection.vendor != "postgresql":
        pytest.skip("the count is PostgreSQL's: there the write reads its locks and access in one statement")
    client = api(alice)
    for day in range(23, 28):
        worked(alice, ops, date(2026, 2, day), 7, 11.5)
    post(client, ops, LONG_MONDAY)  # the week's timesheet exists from here on; Monday's violations too
    # 2 the request (user, project); 5 the write (savepoint, checks, row, audit, release);
    # 10 the judgement: savepoint, lock, policy, entries, leave, contracts, the stored
    # violations, the three new ones in one INSERT and their history in one, release.
    with django_assert_num_queries(17):
        answer = post(client, ops, LONG_TUESDAY)

    tuesday = {(w["rule"], w["period_start"]) for w in answer["compliance_warnings"] if w["severity"] == "violation"}
    assert tuesday >= {("daily_max", "2026-03-03"), ("breaks", "2026-03-03"), ("work_in_a_row", "2026-03-03")}
    assert Violation.objects.filter(user=alice, period_start=date(2026, 3, 3)).count() == 3


def test_the_violations_written_in_bulk_have_their_history_in_the_audit_api(api, alice, carol, ops):
    entry = post(api(alice), ops, LONG_TUESDAY)
    created = api(carol).get(CHANGES, {"object_type": "compliance.violation", "action": "create"}).json()["results"]
    assert sorted(row["object_repr"] for row in created) == sorted(map(str, Violation.objects.filter(user=alice)))
    assert {row["actor"] for row in created} == {alice.pk}
    assert all(row["changes"]["status"] == ["None", "open"] for row in created)

    assert api(alice).patch(f"{ENTRIES}/{entry['id']}", {"end": "2026-03-03T08:00:00Z"}).status_code == 200

    updated = api(carol).get(CHANGES, {"object_type": "compliance.violation", "action": "update"}).json()["results"]
    assert len(updated) == 3 and {row["actor"] for row in updated} == {alice.pk}
    assert all(set(row["changes"]) == {"status", "resolved_at"} for row in updated)
    assert all(row["changes"]["status"] == ["open", "resolved"] for row in updated)


def test_the_bulk_history_is_what_auditlog_writes_for_a_save(alice, carol):
    """Field for field, but the row's own id and time."""

    def written(action):
        entry = LogEntry.objects.filter(action=action).latest("pk")
        LogEntry.objects.filter(pk=entry.pk).delete()
        return {
            name: value
            for name, value in vars(entry).items()
            if name not in ("_state", "id", "timestamp") and not name.startswith("_")
        }

    with set_actor(carol, remote_addr="192.0.2.7", remote_port=4711):
        violation = violation_of(alice)
        by_save = written(LogEntry.Action.CREATE)
        audit_log_bulk(model=Violation, created=[violation])
        assert written(LogEntry.Action.CREATE) == by_save

        before = Violation.objects.get(pk=violation.pk)
        violation.status, violation.measured = Violation.Status.RESOLVED, 9
        violation.save()
        by_save = written(LogEntry.Action.UPDATE)
        audit_log_bulk(model=Violation, updated=[(before, violation)])
        assert written(LogEntry.Action.UPDATE) == by_save
    assert by_save["actor_id"] == carol.pk and by_save["remote_addr"] == "192.0.2.7"


def test_the_dashboard_shows_the_violations_an_import_records_at_once(
    api, alice, bob, ops, django_capture_on_commit_callbacks
):
    """An import writes its entries in bulk (no dashboard bump of its own): what moves the
    manager's cached widget is the judgement's one bump per scope."""

    def open_violations() -> dict:
        data = api(bob).get("/api/v1/analytics/widgets/open_violations").json()
        return dict(zip(data["labels"], data["datasets"][0]["data"], strict=True))

    assert open_violations() == {}  # and cached
    rows = [f"alice@example.com,OPS,,2026-03-0{day} 07:00,2026-03-0{day} 19:00,,,,long" for day in (2, 3)]

    _, found = upload(
        api(alice), django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, *rows, dry_run=False
    )

    assert found["status"] == "done"
    assert open_violations() == {"Maximum daily hours": 2, "Breaks": 2, "Work in a row without a break": 2}


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_judgements_of_the_same_days_at_once_take_turns(alice, ops):
    """An import's judgement task run twice at once (a redelivered message): the second waits
    for the first's judgement lock, then finds its violations, so neither INSERT collides."""
    for day in (2, 3):
        worked(alice, ops, date(2026, 3, day), 7, 11.5)
    people_days = {str(alice.pk): ["2026-03-02", "2026-03-03"]}
    barrier, answers = threading.Barrier(2), []

    def judge():
        barrier.wait()
        try:
            answers.append(import_judge.apply(args=[people_days]).get(propagate=False))
        finally:
            connection.close()

    threads = [threading.Thread(target=judge) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [1, 1]
    assert Violation.objects.filter(user=alice).count() == 6
    assert LogEntry.objects.filter(object_repr__contains="Maximum daily hours").count() == 2
