"""An imported entry is held to the rules of one entry written through the API: each row
breaking one is refused with the message `time_entry_create` gives for it (the set-based
checks of `timeentries.services.bulk` — SQL on PostgreSQL, Python on SQLite — against the
one-entry path, on both databases)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from core.errors import DomainError
from imports.tests.helpers import ENTRY_HEADER, upload
from timeentries.models import LockPeriod, TimeEntry, Timesheet
from timeentries.services import time_entry_create
from users.models import MonthClosing

pytestmark = [pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12")]
BERLIN = ZoneInfo("Europe/Berlin")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def history(alice, frank, carol, acme):
    """Alice logged 09:00-11:00 on Mon 9 Nov and 20 hours on Tue 10 Nov; her week of 2 Nov is
    submitted; time before 1 September is closed for payroll, October for the company; Frank
    left at the end of October."""
    stored = time_entry_create(actor=alice, project=acme, start=at(date(2026, 11, 9), 9), end=at(date(2026, 11, 9), 11))
    time_entry_create(actor=alice, project=acme, day=date(2026, 11, 10), duration=timedelta(hours=20))
    Timesheet.objects.create(user=alice, week_start=date(2026, 11, 2), status=Timesheet.Status.SUBMITTED)
    LockPeriod.objects.create(locked_before=date(2026, 9, 1), set_by=carol)
    MonthClosing.objects.create(month=date(2026, 10, 1), closed_by=carol)
    frank.employment_end = date(2026, 10, 31)
    frank.save(update_fields=["employment_end"])
    return stored


# (row as the file has it, the same entry as time_entry_create's arguments, the field named)
CASES = [
    (
        "alice@example.com,ACME,,2026-11-09 10:00,2026-11-09 12:00,,,,",
        {"start": at(date(2026, 11, 9), 10), "end": at(date(2026, 11, 9), 12)},
        "start",
    ),
    (
        "alice@example.com,ACME,,2026-11-04 09:00,2026-11-04 10:00,,,,",
        {"start": at(date(2026, 11, 4), 9), "end": at(date(2026, 11, 4), 10)},
        "start",
    ),
    ("alice@example.com,ACME,,,,2026-08-31,1:00,,", {"day": date(2026, 8, 31), "duration": timedelta(hours=1)}, "day"),
    (
        "alice@example.com,ACME,,2026-10-15 09:00,2026-10-15 10:00,,,,",
        {"start": at(date(2026, 10, 15), 9), "end": at(date(2026, 10, 15), 10)},
        "start",
    ),
    (
        "frank@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,",
        {"start": at(date(2026, 11, 9), 9), "end": at(date(2026, 11, 9), 10)},
        "start",
    ),
    (
        "alice@example.com,ACME,,,,2026-11-10,5:00,,",
        {"day": date(2026, 11, 10), "duration": timedelta(hours=5)},
        "duration",
    ),
    (
        "alice@example.com,ACME,,2026-11-11 12:00,2026-11-11 09:00,,,,",
        {"start": at(date(2026, 11, 11), 12), "end": at(date(2026, 11, 11), 9)},
        "end",
    ),
    (
        "alice@example.com,ACME,,2026-11-13 09:00,2026-11-13 10:00,,,,",
        {"start": at(date(2026, 11, 13), 9), "end": at(date(2026, 11, 13), 10)},
        "start",
    ),
    (
        "alice@example.com,ACME,,2026-11-11 09:00,2026-11-11 10:00,,,90,",
        {"start": at(date(2026, 11, 11), 9), "end": at(date(2026, 11, 11), 10), "break_minutes": 90},
        "break_minutes",
    ),
]


def one_entry_refusal(user, project, fields) -> str:
    try:
        with transaction.atomic():
            time_entry_create(actor=user, project=project, **fields)
    except DomainError as error:
        return error.detail
    raise AssertionError(f"time_entry_create accepted {fields}")


def test_every_row_is_refused_as_one_entry_through_the_api_would_be(
    api, carol, alice, frank, acme, history, django_capture_on_commit_callbacks
):
    _, found = upload(
        api(carol), django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, *(row for row, _, _ in CASES)
    )

    people = {"alice": alice, "frank": frank}
    expected = [
        {"row": number, "field": field, "message": one_entry_refusal(people[row.split("@")[0]], acme, fields)}
        for number, (row, fields, field) in enumerate(CASES, start=2)
    ]
    # The import names the stored entry it overlaps by id besides (its owner is not asking).
    found["errors"][0]["message"] = found["errors"][0]["message"].replace(f" (entry {history.pk})", "")
    assert found["errors"] == expected
    assert found["rows_valid"] == 0 and TimeEntry.objects.count() == 2


def test_the_messages_say_what_is_wrong(api, carol, alice, frank, acme, history, django_capture_on_commit_callbacks):
    _, found = upload(
        api(carol), django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, *(row for row, _, _ in CASES)
    )

    messages = [error["message"] for error in found["errors"]]
    assert messages[0] == (f"Overlaps your entry 09:00\N{EN DASH}11:00 on Mon 9 Nov, ACME (entry {history.pk}).")
    assert messages[1] == "Week 2026-W45 is submitted; ask your manager to reopen it."
    assert messages[2] == "Time before 2026-09-01 is closed for payroll (week 2026-W36)."
    assert messages[3] == "October 2026 is closed for payroll; ask an admin to reopen it."
    assert messages[4].endswith("employment ended on 2026-10-31; 2026-11-09 is after that.")
    assert messages[5] == "Tue 10 Nov would hold 25 hours of work (20 h logged already); a day has 24 hours."
    assert messages[6] == "The end must be after the start."
    assert messages[7] == "The start cannot be after today."
    assert messages[8] == "The break must be shorter than the time from start to end."


def test_two_rows_of_the_file_filling_one_day_beyond_24_hours_are_refused(
    api, alice, acme, django_capture_on_commit_callbacks
):
    rows = (
        ENTRY_HEADER,
        "alice@example.com,ACME,,,,2026-11-09,14:00,,",
        "alice@example.com,ACME,,,,2026-11-09,11:00,,",
    )

    _, found = upload(api(alice), django_capture_on_commit_callbacks, "time_entries", *rows)

    assert found["errors"] == [
        {
            "row": 3,
            "field": "duration",
            "message": "Mon 9 Nov would hold 25 hours of work (14 h logged already); a day has 24 hours.",
        }
    ]


def test_naive_times_are_read_in_the_import_time_zone_when_given(api, alice, acme, django_capture_on_commit_callbacks):
    rows = (ENTRY_HEADER, "alice@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,NY")

    upload(
        api(alice),
        django_capture_on_commit_callbacks,
        "time_entries",
        *rows,
        dry_run=False,
        time_zone="America/New_York",
    )

    entry = TimeEntry.objects.get()
    assert entry.start == datetime(2026, 11, 9, 14, 0, tzinfo=ZoneInfo("UTC"))


# Rows every rule lets through, in the shapes the set-based checks take apart without a
# model instance: a night shift over the October clock change with a break, an odd break,
# an end at midnight, UTC times, a duration entry, today's work, a billable flag given.
VALID_CASES = [
    (
        "alice@example.com,ACME,,2026-10-24 22:00,2026-10-25 06:00,,,30,night",
        {"start": at(date(2026, 10, 24), 22), "end": datetime(2026, 10, 25, 6, tzinfo=BERLIN), "break_minutes": 30},
    ),
    (
        "alice@example.com,ACME,,2026-11-11 09:00,2026-11-11 17:13,,,47,odd break",
        {"start": at(date(2026, 11, 11), 9), "end": at(date(2026, 11, 11), 17, 13), "break_minutes": 47},
    ),
    (
        "alice@example.com,ACME,,2026-11-09 20:00,2026-11-10 00:00,,,,to midnight",
        {"start": at(date(2026, 11, 9), 20), "end": datetime(2026, 11, 10, tzinfo=BERLIN)},
    ),
    (
        "alice@example.com,ACME,,2026-11-06T23:30:00Z,2026-11-07T01:00:00Z,,,,utc",
        {"start": datetime(2026, 11, 6, 23, 30, tzinfo=UTC), "end": datetime(2026, 11, 7, 1, tzinfo=UTC)},
    ),
    ("alice@example.com,ACME,,,,2026-11-05,7:30,,hours", {"day": date(2026, 11, 5), "duration": timedelta(hours=7.5)}),
    (
        "alice@example.com,ACME,,2026-11-12 08:00,2026-11-12 09:00,,,,today",
        {"start": at(date(2026, 11, 12), 8), "end": at(date(2026, 11, 12), 9)},
    ),
]
STORED = ("kind", "day", "start", "end", "break_minutes", "duration", "billable", "description")


def test_every_valid_row_is_stored_as_one_entry_through_the_api_would_be(
    api, alice, acme, django_capture_on_commit_callbacks
):
    expected = []
    for row, fields in VALID_CASES:
        with transaction.atomic():
            entry = time_entry_create(actor=alice, project=acme, description=row.rsplit(",", 1)[1], **fields)
            expected.append(tuple(getattr(entry, name) for name in STORED))
            transaction.set_rollback(True)

    _, found = upload(
        api(alice),
        django_capture_on_commit_callbacks,
        "time_entries",
        ENTRY_HEADER,
        *(row for row, _ in VALID_CASES),
        dry_run=False,
    )

    assert found["status"] == "done", found["errors"]
    stored = TimeEntry.objects.order_by("pk").values_list(*STORED)
    assert list(stored) == expected
