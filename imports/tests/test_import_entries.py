"""Importing time entries (issue 18, acceptance 2 and 3): all or nothing, every row's problem
named by row number and field, idempotent by content, scoped as the API is."""

from datetime import UTC, datetime, timedelta

import pytest

from core.models import AuditEvent
from imports.models import Import, ImportedObject
from imports.tests.helpers import ENTRY_HEADER, commit, upload
from timeentries.models import TimeEntry, Timesheet

pytestmark = [pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12")]

GOOD_ROWS = (
    "alice@example.com,ACME,Development,2026-11-09 09:00,2026-11-09 12:00,,,,Login page",
    "alice@example.com,ACME,,2026-11-09 13:00,2026-11-09 17:30,,,30,Review",
    "alice@example.com,INT,,,,2026-11-10,2:30,,Team meeting",
)


@pytest.fixture
def catalogue(acme, acme_dev, internal):
    return acme


def test_a_file_with_an_overlap_and_an_unknown_project_imports_nothing_then_fixed_imports_every_row_once(
    api, alice, catalogue, django_capture_on_commit_callbacks
):
    client = api(alice)
    bad = (
        ENTRY_HEADER,
        *GOOD_ROWS,
        "alice@example.com,ACME,,2026-11-09 10:00,2026-11-09 11:00,,,,Overlaps row 2",
        "alice@example.com,ACMEE,,2026-11-10 09:00,2026-11-10 10:00,,,,Typo in the project",
    )

    response, found = upload(client, django_capture_on_commit_callbacks, "time_entries", *bad, dry_run=False)

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    assert (found["status"], found["rows_total"], found["rows_valid"]) == ("invalid", 5, 3)
    assert found["errors"] == [
        {"row": 5, "field": "start", "message": "Overlaps row 2 (2026-11-09 09:00\N{EN DASH}12:00)."},
        {"row": 6, "field": "project", "message": "No project 'ACMEE'. Did you mean 'acme'?"},
    ]
    assert TimeEntry.objects.count() == 0

    fixed = (ENTRY_HEADER, *GOOD_ROWS, "alice@example.com,ACME,,2026-11-10 09:00,2026-11-10 10:00,,,,Fixed")
    response, done = upload(client, django_capture_on_commit_callbacks, "time_entries", *fixed, dry_run=False)

    assert (done["status"], done["rows_total"], done["rows_valid"], done["rows_imported"]) == ("done", 4, 4, 4)
    assert done["errors"] == [] and done["progress"] == 100
    entries = {entry.description: entry for entry in TimeEntry.objects.all()}
    assert set(entries) == {"Login page", "Review", "Team meeting", "Fixed"}
    # Naive times are read in alice's zone (Berlin, UTC+1 in November).
    assert entries["Login page"].start == datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    assert entries["Login page"].task.name == "Development"
    assert (entries["Review"].kind, entries["Review"].duration) == ("clocked", timedelta(hours=4))
    assert (entries["Team meeting"].kind, entries["Team meeting"].day) == ("duration", datetime(2026, 11, 10).date())
    assert entries["Team meeting"].duration == timedelta(hours=2, minutes=30)
    assert entries["Team meeting"].billable is False  # INT's default
    assert Timesheet.objects.filter(user=alice, week_start=datetime(2026, 11, 9).date(), status="open").exists()
    source = Import.objects.get(pk=done["id"])
    assert set(ImportedObject.objects.filter(source=source).values_list("object_id", flat=True)) == {
        entry.pk for entry in entries.values()
    }
    event = AuditEvent.objects.get(action="import_committed")
    assert event.data["file_hash"] == source.file_hash and event.data["rows"] == 4

    response, again = upload(client, django_capture_on_commit_callbacks, "time_entries", *fixed, dry_run=False)

    assert (again["status"], again["rows_imported"], again["duplicate_of"]) == ("done", 0, done["id"])
    assert TimeEntry.objects.count() == 4


def test_a_dry_run_validates_and_the_commit_imports(api, alice, catalogue, django_capture_on_commit_callbacks):
    client = api(alice)
    _, found = upload(client, django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, *GOOD_ROWS)
    assert (found["status"], found["progress"], found["rows_valid"]) == ("valid", 100, 3)
    assert TimeEntry.objects.count() == 0

    response, done = commit(client, django_capture_on_commit_callbacks, found["id"])

    assert response.status_code == 202
    assert (done["status"], done["rows_imported"]) == ("done", 3)
    assert TimeEntry.objects.count() == 3
    response, _ = commit(client, django_capture_on_commit_callbacks, found["id"])
    assert response.status_code == 200 and TimeEntry.objects.count() == 3


def test_only_a_valid_import_is_committed(api, alice, catalogue, django_capture_on_commit_callbacks):
    client = api(alice)
    _, found = upload(
        client, django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, "alice@example.com,NOPE,,,,,,,"
    )
    assert found["status"] == "invalid"

    response, _ = commit(client, django_capture_on_commit_callbacks, found["id"])

    assert response.status_code == 409
    assert response.json()["detail"] == "The import is invalid; only a valid import can be committed."


def test_an_employee_naming_another_person_is_refused_row_by_row(
    api, alice, frank, catalogue, django_capture_on_commit_callbacks
):
    rows = (
        ENTRY_HEADER,
        "alice@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,Mine",
        "frank@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,Frank's",
        "bob@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,Bob's",
    )

    _, found = upload(api(alice), django_capture_on_commit_callbacks, "time_entries", *rows, dry_run=False)

    assert found["status"] == "invalid"
    assert found["errors"] == [
        {
            "row": 3,
            "field": "email",
            "message": "You can import only your own rows; 'frank@example.com' is not you (alice@example.com).",
        },
        {
            "row": 4,
            "field": "email",
            "message": "You can import only your own rows; 'bob@example.com' is not you (alice@example.com).",
        },
    ]
    assert TimeEntry.objects.count() == 0


def test_a_manager_imports_for_their_team_only(api, bob, alice, dave, catalogue, django_capture_on_commit_callbacks):
    rows = (
        ENTRY_HEADER,
        "alice@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,Alice's",
        "dave@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,Dave's",
    )

    _, found = upload(api(bob), django_capture_on_commit_callbacks, "time_entries", *rows)

    assert found["errors"] == [
        {"row": 3, "field": "email", "message": "'dave@example.com' is not anyone on your teams."}
    ]


def test_an_admin_imports_for_anyone_and_unknown_people_get_a_suggestion(
    api, carol, alice, dave, catalogue, django_capture_on_commit_callbacks
):
    rows = (
        ENTRY_HEADER,
        "alice@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,Alice's",
        "dave@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,Dave's",
        "alise@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,Typo",
    )

    _, found = upload(api(carol), django_capture_on_commit_callbacks, "time_entries", *rows)

    assert found["errors"] == [
        {"row": 4, "field": "email", "message": "'alise@example.com' is not anyone. Did you mean 'alice@example.com'?"}
    ]
    assert found["rows_valid"] == 2
