"""Uploaded files are deleted once their import is finished and older than
IMPORT_FILE_RETENTION_DAYS (the nightly task); the import and its hash stay, so the same
file still imports once."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from core.schedules import PERIODIC_TASKS
from imports import tasks
from imports.models import Import
from imports.tests.helpers import ENTRY_HEADER, IMPORTS, upload
from timeentries.models import TimeEntry

pytestmark = [pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12")]

ROW = "alice@example.com,ACME,,2026-11-09 09:00,2026-11-09 12:00,,,,Login page"
BAD_ROW = "alice@example.com,ACMEE,,2026-11-09 13:00,2026-11-09 14:00,,,,Typo"


def aged(import_id: int, days: int) -> Path:
    """Make the import `days` old; answers where its file is stored."""
    Import.objects.filter(pk=import_id).update(created_at=timezone.now() - timedelta(days=days))
    return Path(Import.objects.get(pk=import_id).file.path)


def test_the_nightly_task_deletes_the_files_of_old_finished_imports_and_keeps_the_imports(
    api, alice, acme, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    client = api(alice)
    _, done = upload(client, django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, ROW, dry_run=False)
    _, invalid = upload(client, django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, BAD_ROW)
    _, recent = upload(client, django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, BAD_ROW, name="b.csv")
    _, waiting = upload(client, django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, ROW, name="c.csv")
    assert (done["status"], invalid["status"], waiting["status"]) == ("done", "invalid", "valid")
    old_done, old_invalid = aged(done["id"], 31), aged(invalid["id"], 45)
    recent_file, waiting_file = aged(recent["id"], 29), aged(waiting["id"], 60)

    assert tasks.import_files_purge_task() == 2

    assert not old_done.exists() and not old_invalid.exists()
    assert recent_file.exists() and waiting_file.exists()  # a valid import may still be committed
    kept = client.get(f"{IMPORTS}/{done['id']}").json()
    assert (kept["status"], kept["file_hash"], kept["rows_imported"]) == ("done", done["file_hash"], 1)
    assert tasks.import_files_purge_task() == 0  # nothing left to delete

    _, again = upload(client, django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, ROW, dry_run=False)
    assert (again["status"], again["rows_imported"]) == ("done", 0)  # the same file imports once
    assert TimeEntry.objects.count() == 1


def test_the_purge_runs_nightly():
    assert "imports.tasks.import_files_purge_task" in {task for task, _ in PERIODIC_TASKS.values()}
