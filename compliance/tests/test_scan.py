"""The scans that record violations outside any request: `manage.py check_working_time`,
the daily Celery task (eager here; see test_worker.py for a real worker) and its schedule."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from compliance.models import Violation
from compliance.tasks import compliance_scan_task
from compliance.tests.factories import worked
from core.schedules import PERIODIC_TASKS

pytestmark = pytest.mark.django_db


def night_then_afternoon(user, project):
    """22:00-02:00 and 02:30-06:00 on 2 March, then 14:00-16:00 on 3 March: 8 h of rest (and
    9 h 30 in the 24 hours from 22:00, under the daily maximum)."""
    worked(user, project, date(2026, 3, 2), 22, 4)
    worked(user, project, date(2026, 3, 2), 26.5, 3.5)
    worked(user, project, date(2026, 3, 3), 14, 2)


def check(*args) -> str:
    out = io.StringIO()
    call_command("check_working_time", *args, stdout=out)
    return out.getvalue()


def test_check_working_time_records_once_and_a_second_run_creates_nothing(frozen_2026_03_04, alice, dave, ops):
    night_then_afternoon(alice, ops)
    night_then_afternoon(dave, ops)

    first = check("--from", "2026-03-01", "--to", "2026-03-04")
    assert "from 2026-03-01 to 2026-03-04: 2 created, 0 updated, 0 resolved." in first
    assert sorted(Violation.objects.values_list("user__email", "rule", "measured")) == [
        ("alice@example.com", "daily_rest", 8),
        ("dave@example.com", "daily_rest", 8),
    ]
    second = check("--from", "2026-03-01", "--to", "2026-03-04")
    assert ": 0 created, 0 updated, 0 resolved." in second
    assert Violation.objects.count() == 2


def test_check_working_time_for_chosen_users_by_email_or_id(frozen_2026_03_04, alice, dave, ops):
    night_then_afternoon(alice, ops)
    night_then_afternoon(dave, ops)

    output = check("--user", "ALICE@example.com", "--from", "2026-03-01", "--to", "2026-03-04")
    assert "Checked 1 user from 2026-03-01" in output
    assert list(Violation.objects.values_list("user", flat=True)) == [alice.pk]
    output = check("--user", str(dave.pk), "--user", "alice@example.com", "--from", "2026-03-01", "--to", "2026-03-04")
    assert "Checked 2 users" in output and ": 1 created" in output


def test_check_working_time_defaults_to_the_last_scan_days(frozen_2026_03_04, settings, alice, ops):
    night_then_afternoon(alice, ops)
    settings.COMPLIANCE_SCAN_DAYS = 1
    assert "from 2026-03-03 to 2026-03-04: 1 created" in check()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13-01"], "--from '2026-13-01' is not a date: use YYYY-MM-DD."),
        (["--to", "yesterday"], "--to 'yesterday' is not a date: use YYYY-MM-DD."),
        (["--from", "2026-03-04", "--to", "2026-03-01"], "--to 2026-03-01 is before --from 2026-03-04."),
        (["--user", "nobody@example.com"], "No user 'nobody@example.com': give an e-mail address or an id."),
    ],
)
def test_check_working_time_refuses_bad_arguments(frozen_2026_03_04, alice, args, message):
    with pytest.raises(CommandError) as raised:
        check(*args)
    assert str(raised.value) == message
    assert not Violation.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "0001-01-01", "--to", "2026-03-04"],
            "--from 0001-01-01: Give a date between 1900-01-01 and 2200-12-31.",
        ),
        (
            ["--from", "2026-03-01", "--to", "9999-12-31"],
            "--to 9999-12-31: Give a date between 1900-01-01 and 2200-12-31.",
        ),
    ],
)
def test_check_working_time_refuses_days_outside_the_application_range(frozen_2026_03_04, alice, ops, args, message):
    """Year 1 or 9999 used to reach the date arithmetic and fail with an OverflowError."""
    worked(alice, ops, date(2026, 3, 2), 8, 4)
    with pytest.raises(CommandError) as raised:
        check(*args)
    assert str(raised.value) == message


def test_the_task_scans_the_last_days_and_is_idempotent(frozen_2026_03_04, settings, alice, ops):
    night_then_afternoon(alice, ops)
    assert compliance_scan_task.delay(days_back=0).get()["created"] == 0  # only today, 4 March
    totals = compliance_scan_task.delay(days_back=2).get()
    assert totals["created"] == 1 and totals["users"] == 2  # Alice and Bob
    settings.COMPLIANCE_SCAN_DAYS = 3
    assert compliance_scan_task.delay().get()["created"] == 0
    assert Violation.objects.filter(user=alice, rule="daily_rest").count() == 1


def test_the_daily_scan_is_scheduled(settings):
    task, cron = PERIODIC_TASKS["compliance: scan the last COMPLIANCE_SCAN_DAYS days for working-time violations"]
    assert task == compliance_scan_task.name == "compliance.tasks.compliance_scan_task"
    assert (cron["hour"], cron["minute"]) == (str(settings.COMPLIANCE_SCAN_HOUR), "45")
    call_command("setup_schedules", stdout=io.StringIO())
    scheduled = PeriodicTask.objects.get(task="compliance.tasks.compliance_scan_task")
    assert scheduled.enabled and scheduled.crontab.minute == "45"
