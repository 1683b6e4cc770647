"""`timeentries.selectors.week_expected_hours` (the fallback when leave does not answer the
week's expected hours) reads the contract version in force on each day and the employment
dates, not today's `User.weekly_contract_hours`/`work_days` (issue 15)."""

from datetime import date
from decimal import Decimal

import pytest

from timeentries.selectors import week_expected_hours
from users.models import Contract

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_2026_03_02")]


@pytest.fixture
def four_days_from_july(alice):
    """40 h on Monday to Friday, from Wednesday 1 July 2026 20 h on Monday to Thursday (5 h a day).
    Today (March) her own fields still say 40 h over five days."""
    Contract.objects.create(user=alice, valid_from=date(2020, 1, 1), weekly_hours=40, work_days="12345")
    Contract.objects.create(user=alice, valid_from=date(2026, 7, 1), weekly_hours=20, work_days="1234")
    return alice


def test_a_week_after_the_change_expects_the_new_versions_hours(four_days_from_july):
    assert week_expected_hours(four_days_from_july, date(2026, 7, 6)) == Decimal("20.00")


def test_a_week_across_the_change_counts_each_day_under_its_version(four_days_from_july):
    # Mon 29 and Tue 30 June at 8 h, Wed 1 and Thu 2 July at 5 h, Friday 3 July is off.
    monday = date(2026, 6, 29)
    assert week_expected_hours(four_days_from_july, monday) == Decimal("26.00")
    assert week_expected_hours(four_days_from_july, monday, days_off=[date(2026, 7, 1)]) == Decimal("21.00")


def test_days_outside_the_employment_expect_nothing(alice):
    alice.employment_start, alice.employment_end = date(2026, 3, 4), date(2026, 3, 12)
    alice.save()
    assert week_expected_hours(alice, date(2026, 3, 2)) == Decimal("24.00")  # Wed-Fri
    assert week_expected_hours(alice, date(2026, 3, 9)) == Decimal("32.00")  # Mon-Thu
    assert week_expected_hours(alice, date(2026, 3, 16)) == Decimal("0.00")
