"""Compliance after a bulk write judges everyone at once (`compliance.judge_many`, what an
import's and a revert's follow-up task runs) and records exactly what judging each person's
days one write at a time (`compliance_after_write`) records: the same violations created,
brought up to date, reopened and resolved, with the same history."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from compliance.judge_many import compliance_judge_many
from compliance.models import Violation
from compliance.services import compliance_after_write
from compliance.tests.factories import hours_on, violation_of, worked
from imports.tests.helpers import ENTRY_HEADER, upload
from users.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_2026_03_04")]
FIELDS = (
    "user_id",
    "rule",
    "period_start",
    "period_end",
    "measured",
    "limit",
    "message",
    "message_code",
    "message_params",
    "entries",
    "status",
)
# Differs between two runs of the same judgement (the clock is frozen): the row's id.
OWN = ("id",)


def judged(user_ids) -> tuple[list[tuple], list[tuple]]:
    """The violations as they stand (resolved ones saying so), and their history: each
    entry's action and changes, named by the violation's user, rule and period."""
    found = Violation.objects.filter(user_id__in=user_ids).order_by("user_id", "rule", "period_start", "period_end")
    rows = list(found.values_list(*FIELDS, "resolved_at"))
    keys = {str(pk): key for pk, *key in found.values_list("pk", "user_id", "rule", "period_start", "period_end")}
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Violation))
    history = sorted(
        (
            keys[entry.object_pk],
            entry.action,
            entry.actor_id,
            sorted((name, *change) for name, change in entry.changes.items() if name not in OWN),
        )
        for entry in entries
    )
    return rows, history


@pytest.fixture
def imported_weeks(alice, dave, carol, ops):
    """Two weeks of work as an import leaves it (no live judgement ran): long days without
    breaks, short rests after night shifts, a Sunday, a day of hours only; dave in New York.
    Then what a previous judgement left: one violation resolved that is found again, and
    one open that is no longer found."""
    dave.timezone = "America/New_York"
    dave.save(update_fields=["timezone"])
    first = date(2026, 2, 16)
    for offset in range(14):
        day = first + timedelta(days=offset)
        worked(alice, ops, day, 7, 11.5 if offset % 3 else 6.5, break_minutes=15 if offset % 2 else 0)
        if day.weekday() < 5:
            worked(dave, ops, day, 22 if offset % 4 == 0 else 14, 8)
        else:
            hours_on(carol, ops, day, 10.5)
    people_days = {user.pk: (first, first + timedelta(days=13)) for user in (alice, dave, carol)}
    for user in (alice, dave, carol):
        compliance_after_write(user=user, spans=[(first + timedelta(days=n), None) for n in range(14)])
    found_again = Violation.objects.filter(user=alice).order_by("pk").first()
    found_again.status = Violation.Status.RESOLVED
    found_again.save()
    violation_of(dave, day=date(2026, 2, 18))
    Violation.objects.filter(user=carol).update(measured=1)  # brought up to date by the judgement
    return people_days


def test_judging_everyone_at_once_records_what_judging_each_person_records(imported_weeks):
    people = list(imported_weeks)
    with transaction.atomic():
        for user_id, (first, last) in sorted(imported_weeks.items()):
            user = User.objects.get(pk=user_id)
            days = [(first + timedelta(days=n), None) for n in range((last - first).days + 1)]
            compliance_after_write(user=user, spans=days)
        one_by_one = judged(people)
        transaction.set_rollback(True)
    before = judged(people)

    counts = compliance_judge_many(people_days=imported_weeks)

    assert judged(people) == one_by_one
    assert one_by_one != before
    assert counts["users"] == 3 and counts["updated"] >= 2 and counts["resolved"] >= 1
    rules = {row[1] for row in one_by_one[0]}
    assert {"daily_max", "daily_rest", "breaks", "sunday_work"} <= rules


def test_an_import_judges_the_people_and_days_it_wrote(api, alice, ops, django_capture_on_commit_callbacks):
    rows = [f"alice@example.com,OPS,,2026-02-{day:02d} 07:00,2026-02-{day:02d} 19:00,,,,long" for day in (23, 24)]

    _, found = upload(
        api(alice), django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, *rows, dry_run=False
    )

    assert found["status"] == "done"
    assert set(Violation.objects.filter(user=alice).values_list("rule", "period_start")) >= {
        ("daily_max", date(2026, 2, 23)),
        ("daily_max", date(2026, 2, 24)),
    }
