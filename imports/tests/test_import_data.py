"""`manage.py import_data`: an administrator imports a file from the terminal through the
same services as the API (the upload, the task), following its progress; a refused or
invalid file exits with the errors and imports nothing."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from imports.models import Import
from timeentries.models import TimeEntry

pytestmark = [
    pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12"),
    # The command runs outside any transaction, as on a server: the task runs when the upload commits.
    pytest.mark.django_db(transaction=True),
]

TOGGL_HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags"
)
TOGGL_ROWS = (
    "Alice,alice@example.com,Acme Corp,Acme website,Development,Login page,Yes,2026-11-09,09:00:00,2026-11-09,"
    "12:00:00,03:00:00,",
    "Bob,bob@example.com,,Internal,,Planning,No,2026-11-10,14:00:00,2026-11-10,15:30:00,01:30:00,",
)


@pytest.fixture
def toggl_export(tmp_path):
    def write(*rows: str):
        path = tmp_path / "toggl_detailed.csv"
        path.write_text("\n".join((TOGGL_HEADER, *rows)) + "\n", encoding="utf-8-sig")
        return str(path)

    return write


def run(*arguments: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_data", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_admin_imports_a_toggl_export_with_a_time_zone_through_the_import_task(
    carol, alice, bob, acme_dev, internal, toggl_export
):
    out, err = run(toggl_export(*TOGGL_ROWS), "--kind", "time_entries", "--time-zone", "UTC", "--as", carol.email)

    entries = {entry.description: entry for entry in TimeEntry.objects.select_related("user", "project", "task")}
    assert set(entries) == {"Login page", "Planning"}
    login, planning = entries["Login page"], entries["Planning"]
    assert (login.user, login.project.code, login.task.name) == (alice, "ACME", "Development")
    assert (login.start, login.end) == (
        datetime(2026, 11, 9, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 9, 12, 0, tzinfo=UTC),
    )
    assert (planning.user, planning.project.code, planning.billable) == (bob, "INT", False)
    assert planning.end - planning.start == timedelta(hours=1, minutes=30)
    source = Import.objects.get()
    assert (source.owner, source.format, source.status, source.rows_imported) == (carol, "toggl", "done", 2)
    assert AuditEvent.objects.get(action="import_committed").actor == carol
    assert "100% done" in out
    assert f"Import #{source.pk} (toggl file, 2 rows): imported 2 rows." in out
    assert err == ""


def test_a_dry_run_validates_and_imports_nothing(carol, alice, bob, acme_dev, internal, toggl_export):
    out, _ = run(toggl_export(*TOGGL_ROWS), "--kind", "time_entries", "--dry-run")

    assert TimeEntry.objects.count() == 0
    assert Import.objects.get().status == "valid"
    assert "valid, nothing imported (dry run)" in out


def test_an_invalid_file_exits_with_its_errors_by_row_and_imports_nothing(
    carol, alice, bob, acme_dev, internal, toggl_export
):
    rows = (
        *TOGGL_ROWS,
        "Alice,alice@example.com,,Acme websight,,Typo,Yes,2026-11-11,09:00:00,2026-11-11,10:00:00,1:00:00,",
    )
    err = StringIO()

    with pytest.raises(CommandError, match=r"is invalid: nothing was imported"):
        call_command("import_data", toggl_export(*rows), "--kind", "time_entries", stdout=StringIO(), stderr=err)

    assert TimeEntry.objects.count() == 0
    assert "row 4  project: No project 'Acme websight'." in err.getvalue()


def test_a_file_the_readers_refuse_is_reported_as_an_invalid_import(carol, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("Name,Hours\nAlice,3\n")

    with pytest.raises(CommandError, match="is invalid"):
        call_command("import_data", str(path), "--kind", "time_entries", stdout=StringIO(), stderr=(err := StringIO()))

    assert "file: The header row is not recognised." in err.getvalue()


def test_only_an_administrator_imports_from_the_terminal(carol, alice, toggl_export):
    path = toggl_export(*TOGGL_ROWS)

    with pytest.raises(CommandError, match=re.escape("alice@example.com is not an active administrator")):
        run(path, "--kind", "time_entries", "--as", "alice@example.com")


def test_without_as_the_only_administrator_imports_and_with_two_one_must_be_named(carol, toggl_export, tmp_path):
    from users.tests.factories import UserFactory

    path = toggl_export()
    out, _ = run(path, "--kind", "time_entries", "--dry-run")
    assert Import.objects.get().owner == carol
    assert "(toggl file, 0 rows)" in out

    UserFactory(email="root@example.com", role="admin")
    with pytest.raises(CommandError, match=re.escape("Name the administrator who imports with --as EMAIL.")):
        run(path, "--kind", "time_entries")


def test_a_missing_file_and_a_bad_time_zone_are_refused_before_anything_is_kept(carol, toggl_export):
    with pytest.raises(CommandError, match=re.escape("No file at /nowhere.csv")):
        run("/nowhere.csv", "--kind", "users")
    with pytest.raises(CommandError, match=re.escape("time_zone: Unknown time zone 'Mars/Base'")):
        run(toggl_export(*TOGGL_ROWS), "--kind", "time_entries", "--time-zone", "Mars/Base")

    assert Import.objects.count() == 0


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_is_redrawn_in_place(carol, alice, bob, acme_dev, internal, toggl_export):
    out = Terminal()

    call_command("import_data", toggl_export(*TOGGL_ROWS), "--kind", "time_entries", "--dry-run", stdout=out)

    first_line = out.getvalue().split("\n")[0]
    assert first_line == "\r[" + "#" * 30 + "] 100% valid"
