"""Undoing an import (issue 18, acceptance 4): exactly its rows and their ledger effects go,
audited, in one transaction; once something newer touches them the revert is refused (409,
naming what)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.models import AuditEvent
from imports.models import Import, ImportedObject
from imports.tests.helpers import ENTRY_HEADER, revert, upload
from leave import selectors as leave_selectors
from leave import services as leave_services
from leave.models import LeaveLedgerEntry, LeaveRequest
from timeentries.models import TimeEntry, Timesheet
from timeentries.services import time_entry_create, time_entry_update
from users.models import MonthClosing

pytestmark = pytest.mark.usefixtures("media_in_tmp")
BERLIN = ZoneInfo("Europe/Berlin")
ROWS = (
    ENTRY_HEADER,
    "alice@example.com,ACME,,2026-11-09 09:00,2026-11-09 12:00,,,,Imported one",
    "alice@example.com,ACME,,,,2026-11-10,3:00,,Imported two",
    "frank@example.com,ACME,,2026-11-09 09:00,2026-11-09 12:00,,,,Imported three",
)


@pytest.fixture
def imported(frozen_2026_11_12, api, carol, alice, frank, acme, django_capture_on_commit_callbacks):
    """Alice's own entry of Wednesday, then carol's import of three entries."""
    time_entry_create(
        actor=alice,
        project=acme,
        start=datetime(2026, 11, 11, 9, tzinfo=BERLIN),
        end=datetime(2026, 11, 11, 10, tzinfo=BERLIN),
        description="Typed by alice",
    )
    _, found = upload(api(carol), django_capture_on_commit_callbacks, "time_entries", *ROWS, dry_run=False)
    assert found["status"] == "done"
    frozen_2026_11_12.shift(timedelta(minutes=10))
    return found


def test_revert_removes_exactly_the_imported_entries_audited(api, carol, imported, django_capture_on_commit_callbacks):
    response = revert(api(carol), django_capture_on_commit_callbacks, imported["id"])

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["reverted_at"] is not None) == ("reverted", True)
    assert list(TimeEntry.objects.values_list("description", flat=True)) == ["Typed by alice"]
    assert not ImportedObject.objects.exists()
    event = AuditEvent.objects.get(action="import_reverted")
    assert event.data["removed"] == {"timeentries.timeentry": 3}
    assert event.data["file_hash"] == Import.objects.get().file_hash
    again = revert(api(carol), django_capture_on_commit_callbacks, imported["id"])
    assert again.status_code == 409


def test_a_reverted_file_can_be_imported_again(api, carol, imported, django_capture_on_commit_callbacks):
    revert(api(carol), django_capture_on_commit_callbacks, imported["id"])

    _, found = upload(api(carol), django_capture_on_commit_callbacks, "time_entries", *ROWS, dry_run=False)

    assert (found["status"], found["rows_imported"]) == ("done", 3)
    assert TimeEntry.objects.count() == 4


def test_revert_is_refused_once_an_imported_entry_was_changed(
    api, carol, alice, imported, django_capture_on_commit_callbacks
):
    entry = TimeEntry.objects.get(description="Imported two")
    time_entry_update(entry=entry, actor=alice, description="Corrected by alice")

    response = revert(api(carol), django_capture_on_commit_callbacks, imported["id"])

    assert response.status_code == 409
    assert response.json()["detail"].startswith(f"Entry {entry.pk} of {alice} was changed on 2026-11-12 14:10 UTC")
    assert TimeEntry.objects.count() == 4
    assert Import.objects.get().status == "done"


def test_revert_is_refused_once_a_week_is_submitted_or_a_month_closed(
    api, carol, frank, imported, django_capture_on_commit_callbacks
):
    Timesheet.objects.filter(user=frank, week_start=date(2026, 11, 9)).update(status=Timesheet.Status.SUBMITTED)

    response = revert(api(carol), django_capture_on_commit_callbacks, imported["id"])

    assert response.status_code == 409
    assert response.json()["detail"] == f"Week 2026-W46 of {frank} is submitted; the import cannot be reverted."

    Timesheet.objects.filter(user=frank).update(status=Timesheet.Status.OPEN)
    MonthClosing.objects.create(month=date(2026, 11, 1), closed_by=carol)
    response = revert(api(carol), django_capture_on_commit_callbacks, imported["id"])
    assert (response.status_code, response.json()["code"]) == (409, "month_closed")
    assert TimeEntry.objects.count() == 4


def test_only_admins_revert(api, alice, bob, imported, django_capture_on_commit_callbacks):
    assert revert(api(bob), django_capture_on_commit_callbacks, imported["id"]).status_code == 404
    assert TimeEntry.objects.count() == 4


LEAVE_HEADER = "email,leave_type,start_date,end_date,start_half,end_half,status,reason"


@pytest.fixture
def alice_with_2026_allowance(frozen_2026_03_02, alice):
    leave_services.leave_accrue_year(year=2026)
    return alice


def test_leave_import_checks_the_balance_and_revert_gives_the_days_back(
    api, bob, carol, alice_with_2026_allowance, vacation, django_capture_on_commit_callbacks, frozen_2026_03_02
):
    rows = (
        LEAVE_HEADER,
        "alice@example.com,vacation,2026-03-09,2026-03-13,,,approved,Skiing",
        "alice@example.com,Vacation,2026-04-13,2026-04-14,,,pending,Easter",
        "alice@example.com,vacation,2026-05-04,2026-06-01,,,approved,Too long",
        "alice@example.com,vacaton,2026-07-06,2026-07-06,,,approved,Typo",
    )
    _, found = upload(api(bob), django_capture_on_commit_callbacks, "leave", *rows, dry_run=False)

    assert found["status"] == "invalid"
    assert [(error["row"], error["field"]) for error in found["errors"]] == [(4, "end_date"), (5, "leave_type")]
    assert "18 days available, 21 requested" in found["errors"][0]["message"]
    assert found["errors"][1]["message"] == "No leave type 'vacaton'. Did you mean 'vacation'?"
    assert not LeaveRequest.objects.exists()
    assert leave_selectors.leave_balance_as_of(alice_with_2026_allowance, vacation, date(2026, 12, 31)) == 25

    _, done = upload(api(bob), django_capture_on_commit_callbacks, "leave", *rows[:3], dry_run=False)

    assert done["status"] == "done", done
    skiing, easter = LeaveRequest.objects.order_by("start_date")
    assert (skiing.status, skiing.decided_by, skiing.working_days) == ("approved", bob, 5)
    assert easter.status == "pending"
    assert leave_selectors.leave_balance_as_of(alice_with_2026_allowance, vacation, date(2026, 12, 31)) == 20

    frozen_2026_03_02.shift(timedelta(minutes=5))
    response = revert(api(carol), django_capture_on_commit_callbacks, done["id"])

    assert response.status_code == 200, response.json()
    assert not LeaveRequest.objects.exists()
    assert not LeaveLedgerEntry.objects.filter(kind=LeaveLedgerEntry.Kind.DEBIT).exists()
    assert leave_selectors.leave_balance_as_of(alice_with_2026_allowance, vacation, date(2026, 12, 31)) == 25
    assert AuditEvent.objects.get(action="import_reverted").data["removed"] == {"leave.leaverequest": 2}


def test_leave_revert_is_refused_once_an_imported_request_was_decided(
    api, bob, carol, alice_with_2026_allowance, vacation, django_capture_on_commit_callbacks, frozen_2026_03_02
):
    rows = (LEAVE_HEADER, "alice@example.com,vacation,2026-04-13,2026-04-14,,,pending,Easter")
    _, done = upload(api(bob), django_capture_on_commit_callbacks, "leave", *rows, dry_run=False)
    frozen_2026_03_02.shift(timedelta(minutes=5))
    request = LeaveRequest.objects.get()
    leave_services.leave_request_approve(request_id=request.pk, actor=bob)

    response = revert(api(carol), django_capture_on_commit_callbacks, done["id"])

    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"Leave request {request.pk} of {alice_with_2026_allowance} is approved since; the import cannot be reverted."
    )
    assert LeaveRequest.objects.get().status == "approved"
