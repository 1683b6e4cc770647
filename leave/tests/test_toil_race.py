"""Two approvals of time off in lieu at once that together exceed the working-time account:
exactly one is approved (issue 15). Real threads and connections against PostgreSQL."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from conftest import requires_postgres
from core.errors import Conflict
from leave import services
from leave.models import LeaveRequest, LeaveType

# Saturday 6 March 2027: alice starts today (nothing expected yet) with 8 hours carried over.
TODAY = datetime(2027, 3, 6, 10, tzinfo=UTC)


def _at_once(jobs):
    barrier, outcomes = threading.Barrier(len(jobs)), []

    def run(job):
        barrier.wait()
        try:
            job()
            outcomes.append("ok")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.fixture
def eight_hours(alice, carol):
    alice.employment_start = date(2027, 3, 6)
    alice.save(update_fields=["employment_start"])
    with time_machine.travel(TODAY, tick=False):
        services.working_time_adjustment_create(
            actor=carol, user=alice, kind="opening", hours=Decimal(8), on=date(2027, 3, 6), reason="Old system"
        )
    return alice


def comp_time_day(user, day):
    return lambda: services.leave_request_create(
        actor=user, leave_type=LeaveType.objects.get(code="comp-time"), start_date=day, end_date=day
    )


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvals_of_time_off_in_lieu_at_once_spend_the_hours_once_on_postgres(eight_hours, bob):
    """Time off in lieu approved on asking (a type without approval): two days of 8 hours
    asked at once against 8 hours on the account."""
    LeaveType.objects.filter(code="comp-time").update(requires_approval=False)
    with time_machine.travel(TODAY, tick=False):
        for _ in range(3):
            LeaveRequest.objects.filter(user=eight_hours).update(status="cancelled")
            outcomes = _at_once(
                [comp_time_day(eight_hours, date(2027, 3, 8)), comp_time_day(eight_hours, date(2027, 3, 9))]
            )
            assert outcomes == ["insufficient_balance", "ok"]
            assert LeaveRequest.objects.filter(user=eight_hours, status="approved").count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_managers_approval_and_a_new_request_at_once_spend_the_hours_once_on_postgres(eight_hours, bob):
    """Bob approves Monday's 8 hours while alice asks for Tuesday's: one of them wins."""
    with time_machine.travel(TODAY, tick=False):
        for _ in range(3):
            LeaveRequest.objects.filter(user=eight_hours).update(status="cancelled")
            monday = comp_time_day(eight_hours, date(2027, 3, 8))()
            outcomes = _at_once(
                [
                    lambda pk=monday.pk: services.leave_request_approve(request_id=pk, actor=bob),
                    comp_time_day(eight_hours, date(2027, 3, 9)),
                ]
            )
            assert outcomes == ["insufficient_balance", "ok"]
            live = LeaveRequest.objects.filter(user=eight_hours, status__in=["approved", "pending"])
            assert list(live.values_list("start_date", "status")) == [(date(2027, 3, 8), "approved")]
