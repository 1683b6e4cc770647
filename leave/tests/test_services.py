"""Leave rules through the services (the API, pages and admin call these same functions)."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from conftest import requires_postgres
from core.errors import Conflict, DomainValidationError, Forbidden
from core.models import AuditEvent
from leave import selectors, services
from leave.models import HolidayCalendar, LeaveLedgerEntry, LeaveRequest

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday


@pytest.fixture
def veteran(alice):
    """Alice, employed for years, so her allowance is not pro-rated."""
    alice.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    alice.save()
    return alice


def request_leave(user, leave_type, start, end, **extra):
    return services.leave_request_create(actor=user, leave_type=leave_type, start_date=start, end_date=end, **extra)


@pytest.mark.django_db
class TestWorkingDays:
    def test_weekend_and_holiday_are_not_counted_and_half_days_are_half(
        self, frozen_2026_03_02, veteran, bavaria, vacation
    ):
        services.holiday_create(calendar=bavaria, day=date(2026, 4, 6), name="Easter Monday")
        services.leave_accrue_year(year=2026)
        # Friday 3 April to Tuesday 7 April: Fri + Tue, the weekend and Easter Monday are free.
        request = request_leave(veteran, vacation, date(2026, 4, 3), date(2026, 4, 7))
        assert request.working_days == 2
        assert request.hours == 16
        half = request_leave(veteran, vacation, date(2026, 4, 8), date(2026, 4, 9), start_half="afternoon")
        assert half.working_days == Decimal("1.5")

    def test_half_day_holiday_leaves_only_the_morning(self, frozen_2026_03_02, veteran, bavaria):
        services.holiday_create(calendar=bavaria, day=date(2026, 12, 24), name="Christmas Eve", half_day=True)
        assert selectors.leave_length(veteran, date(2026, 12, 24), date(2026, 12, 24)).working_days == Decimal("0.5")
        afternoon = selectors.leave_length(veteran, date(2026, 12, 24), date(2026, 12, 24), "afternoon", "afternoon")
        assert afternoon.working_days == 0

    def test_part_time_work_week(self, frozen_2026_03_02, veteran):
        veteran.work_days, veteran.weekly_contract_hours = "123", Decimal(24)
        veteran.save()
        length = selectors.leave_length(veteran, date(2026, 3, 9), date(2026, 3, 15))
        assert (length.working_days, length.hours) == (3, 24)

    def test_expected_hours_leave_out_holidays_and_approved_leave(
        self, frozen_2026_03_02, veteran, bob, bavaria, vacation
    ):
        services.holiday_create(calendar=bavaria, day=date(2026, 3, 10), name="Company day")
        services.leave_accrue_year(year=2026)
        leave = request_leave(veteran, vacation, date(2026, 3, 12), date(2026, 3, 12), start_half="morning")
        services.leave_request_approve(request_id=leave.pk, actor=bob)
        hours = selectors.expected_hours(veteran, date(2026, 3, 9), date(2026, 3, 15))
        assert [hours[date(2026, 3, d)] for d in range(9, 16)] == [8, 0, 8, 4, 8, 0, 0]


@pytest.mark.django_db
class TestRules:
    def test_rules_name_the_field(self, frozen_2026_03_02, veteran, vacation):
        services.leave_accrue_year(year=2026)
        with pytest.raises(DomainValidationError) as error:
            request_leave(veteran, vacation, date(2026, 3, 10), date(2026, 3, 9))
        assert error.value.field == "end_date"
        with pytest.raises(DomainValidationError) as error:
            request_leave(veteran, vacation, date(2026, 3, 7), date(2026, 3, 8))  # a weekend
        assert error.value.field == "start_date"
        vacation.half_days_allowed = False
        vacation.save()
        with pytest.raises(DomainValidationError) as error:
            request_leave(veteran, vacation, date(2026, 3, 9), date(2026, 3, 9), start_half="morning")
        assert error.value.field == "start_half"

    def test_overlap_with_own_pending_or_approved_is_409_but_complementary_halves_fit(
        self, frozen_2026_03_02, veteran, vacation
    ):
        services.leave_accrue_year(year=2026)
        request_leave(veteran, vacation, date(2026, 3, 9), date(2026, 3, 10), end_half="morning")
        with pytest.raises(Conflict):
            request_leave(veteran, vacation, date(2026, 3, 10), date(2026, 3, 11))
        afternoon = request_leave(veteran, vacation, date(2026, 3, 10), date(2026, 3, 10), start_half="afternoon")
        assert afternoon.working_days == Decimal("0.5")

    def test_insufficient_balance_is_400_with_what_is_left(self, frozen_2026_03_02, veteran, vacation):
        services.leave_accrue_year(year=2026)
        request_leave(veteran, vacation, date(2026, 3, 9), date(2026, 3, 27))  # 15 days pending
        with pytest.raises(DomainValidationError, match="10 days available, 11 requested"):
            request_leave(veteran, vacation, date(2026, 4, 13), date(2026, 4, 27))

    def test_sick_leave_is_approved_at_once_without_a_balance(self, frozen_2026_03_02, veteran, sick):
        request = request_leave(veteran, sick, date(2026, 3, 2), date(2026, 3, 3))
        assert request.status == "approved" and request.decided_by is None
        assert not LeaveLedgerEntry.objects.exists()

    def test_approve_and_reject_rules(self, frozen_2026_03_02, veteran, bob, erin, carol, vacation):
        services.leave_accrue_year(year=2026)
        request = request_leave(veteran, vacation, date(2026, 3, 9), date(2026, 3, 13))
        with pytest.raises(Forbidden):
            services.leave_request_approve(request_id=request.pk, actor=veteran)
        with pytest.raises(Forbidden):
            services.leave_request_approve(request_id=request.pk, actor=erin)
        with pytest.raises(DomainValidationError):
            services.leave_request_reject(request_id=request.pk, actor=bob, comment="")
        services.leave_request_approve(request_id=request.pk, actor=bob)
        with pytest.raises(Conflict):
            services.leave_request_approve(request_id=request.pk, actor=carol)
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 12, 31)) == 20


@pytest.mark.django_db
class TestCancel:
    def test_cancel_rules_and_credit(self, frozen_2026_03_02, veteran, bob, vacation):
        services.leave_accrue_year(year=2026)
        future = request_leave(veteran, vacation, date(2026, 3, 9), date(2026, 3, 13))
        services.leave_request_approve(request_id=future.pk, actor=bob)
        services.leave_request_cancel(request_id=future.pk, actor=veteran)
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 12, 31)) == 25
        kinds = list(LeaveLedgerEntry.objects.filter(request=future).values_list("kind", flat=True))
        assert sorted(kinds) == ["credit", "debit"]

        started = request_leave(veteran, vacation, date(2026, 3, 2), date(2026, 3, 3))
        services.leave_request_approve(request_id=started.pk, actor=bob)
        with pytest.raises(Forbidden):
            services.leave_request_cancel(request_id=started.pk, actor=veteran)
        services.leave_request_cancel(request_id=started.pk, actor=bob)
        with pytest.raises(Conflict):
            services.leave_request_cancel(request_id=started.pk, actor=bob)


@pytest.mark.django_db
class TestLedger:
    def test_accrual_twice_is_once_and_prorated_by_start_and_hours(self, frozen_2026_03_02, veteran, dave, vacation):
        dave.date_joined = datetime(2026, 7, 1, tzinfo=UTC)
        dave.employment_start = date(2026, 7, 1)
        dave.weekly_contract_hours = Decimal(20)
        dave.save()
        first = services.leave_accrue_year(year=2026)
        second = services.leave_accrue_year(year=2026)
        assert first["accrual"] >= 2 and second == {"accrual": 0, "carry_over": 0, "expiry": 0}
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 12, 31)) == 25
        # Five days a week at 4 h, joining on 1 July: the waiting period ends on 31 December,
        # so the statutory 20 in full (BUrlG §4); the extra 5 x 6/12 = 2.5 -> 3 (§5(2)): 23.
        assert selectors.leave_balance_as_of(dave, vacation, date(2026, 12, 31)) == 23

    def test_carry_over_is_capped_and_expires_on_its_date(self, veteran, bob, vacation):
        with time_machine.travel(datetime(2025, 6, 2, 9, tzinfo=UTC), tick=False):
            services.leave_accrue_year(year=2025, users=[veteran])  # the expiry counts below are hers
            taken = request_leave(veteran, vacation, date(2025, 6, 2), date(2025, 6, 13))  # 10 days
            services.leave_request_approve(request_id=taken.pk, actor=bob)
        with time_machine.travel(datetime(2025, 10, 1, 9, tzinfo=UTC), tick=False):  # told what lapses when
            assert services.leave_forfeiture_notices_send_due(today=date(2025, 10, 1)) == 1
        with time_machine.travel(datetime(2026, 1, 1, 9, tzinfo=UTC), tick=False):
            services.leave_accrue_year(year=2026, users=[veteran])
            services.leave_accrue_year(year=2026, users=[veteran])
        # 15 left at the end of 2025, 5 carried over: 25 + 5 = 30 on 1 January.
        assert selectors.leave_balance_as_of(veteran, vacation, date(2025, 12, 31)) == 15
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 1, 1)) == 30
        with time_machine.travel(datetime(2026, 2, 2, 9, tzinfo=UTC), tick=False):
            used = request_leave(veteran, vacation, date(2026, 2, 2), date(2026, 2, 3))  # 2 days before expiry
            services.leave_request_approve(request_id=used.pk, actor=bob)
        assert services.leave_carry_over_expire(today=date(2026, 3, 31)) == 0  # 31 March is still theirs
        assert services.leave_carry_over_expire(today=date(2026, 4, 1)) == 1
        assert services.leave_carry_over_expire(today=date(2026, 4, 2)) == 0
        # 3 of the 5 carried days were unused at the end of 31 March and lapse the day after.
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 3, 31)) == 28
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 4, 1)) == 25

    def test_balance_as_of_a_past_date_stays_right_after_later_changes(
        self, frozen_2026_03_02, veteran, bob, carol, vacation
    ):
        services.leave_accrue_year(year=2026)
        before = selectors.leave_balance_as_of(veteran, vacation, date(2026, 3, 31))
        later = request_leave(veteran, vacation, date(2026, 6, 1), date(2026, 6, 5))
        services.leave_request_approve(request_id=later.pk, actor=bob)
        services.ledger_adjust(
            actor=carol, user=veteran, leave_type=vacation, amount=Decimal(2), on=date(2026, 7, 1), note="Overtime"
        )
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 3, 31)) == before == 25
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 12, 31)) == 22

    def test_holiday_added_after_approval_credits_the_difference(
        self, frozen_2026_03_02, veteran, bob, carol, bavaria, vacation
    ):
        services.leave_accrue_year(year=2026)
        request = request_leave(veteran, vacation, date(2026, 5, 11), date(2026, 5, 15))
        services.leave_request_approve(request_id=request.pk, actor=bob)
        holiday = services.holiday_create(calendar=bavaria, day=date(2026, 5, 14), name="Ascension", actor=carol)
        request.refresh_from_db()
        assert request.working_days == 4
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 12, 31)) == 21
        assert AuditEvent.objects.filter(action="leave_recalculated", target_id=str(request.pk)).count() == 1
        services.holiday_delete(holiday=holiday, actor=carol)
        request.refresh_from_db()
        assert request.working_days == 5
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 12, 31)) == 20

    def test_import_public_holidays_is_idempotent(self, frozen_2026_03_02, carol, bavaria):
        created = services.holidays_import(calendar=bavaria, year=2026, actor=carol)
        assert len(created) >= 12 and any(h.name == "Heilige Drei Könige" for h in created)
        assert services.holidays_import(calendar=bavaria, year=2026, actor=carol) == []
        nowhere = HolidayCalendar.objects.create(name="Nowhere", country="XX")
        with pytest.raises(DomainValidationError) as error:
            services.holidays_import(calendar=nowhere, year=2026, actor=carol)
        assert error.value.field == "country"


def _run_concurrently(jobs):
    barrier, outcomes = threading.Barrier(len(jobs)), []

    def run(job):
        barrier.wait()
        try:
            job()
            outcomes.append("ok")
        except (Conflict, Forbidden) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_make_one_debit_on_postgres(veteran, bob, carol, vacation):
    services.leave_accrue_year(year=2030)
    with time_machine.travel(datetime(2030, 3, 1, tzinfo=UTC), tick=False):
        request = request_leave(veteran, vacation, date(2030, 3, 11), date(2030, 3, 15))
    approvers = [bob, carol] * 10
    outcomes = _run_concurrently(
        [lambda actor=actor: services.leave_request_approve(request_id=request.pk, actor=actor) for actor in approvers]
    )
    assert outcomes.count("ok") == 1 and outcomes.count("Conflict") == 19
    assert LeaveLedgerEntry.objects.filter(request=request, kind="debit").count() == 1
    assert AuditEvent.objects.filter(action="leave_approved", target_id=str(request.pk)).count() == 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_approve_racing_cancel_keeps_the_ledger_consistent_on_postgres(veteran, bob, vacation):
    services.leave_accrue_year(year=2030)
    for _ in range(5):
        with time_machine.travel(datetime(2030, 3, 1, tzinfo=UTC), tick=False):
            LeaveRequest.objects.filter(user=veteran).update(status="cancelled")
            request = request_leave(veteran, vacation, date(2030, 3, 11), date(2030, 3, 12))
            _run_concurrently(
                [
                    lambda pk=request.pk: services.leave_request_approve(request_id=pk, actor=bob),
                    lambda pk=request.pk: services.leave_request_cancel(request_id=pk, actor=veteran),
                ]
            )
        request.refresh_from_db()
        rows = LeaveLedgerEntry.objects.filter(request=request)
        total = sum(rows.values_list("amount", flat=True), Decimal(0))
        # Either approved (one debit) or cancelled (no movement, or a debit and its credit).
        assert (request.status, total) in {("approved", Decimal(-2)), ("cancelled", Decimal(0))}


@pytest.mark.django_db
class TestRecountWhenTheBasisChanges:
    """A coming week of approved leave, Monday 11 to Friday 15 May, with Thursday 14 May a
    holiday in Bavaria (alice's team's calendar): 4 days are debited."""

    @pytest.fixture
    def booked(self, frozen_2026_03_02, veteran, bob, bavaria, vacation):
        services.holiday_create(calendar=bavaria, day=date(2026, 5, 14), name="Ascension")
        services.leave_accrue_year(year=2026)
        request = request_leave(veteran, vacation, date(2026, 5, 11), date(2026, 5, 15))
        services.leave_request_approve(request_id=request.pk, actor=bob)
        past = request_leave(veteran, vacation, date(2026, 3, 2), date(2026, 3, 2))  # today: counted, kept
        services.leave_request_approve(request_id=past.pk, actor=bob)
        assert selectors.leave_balance_as_of(veteran, vacation, date(2026, 12, 31)) == 25 - 4 - 1
        return request

    def left(self, user, vacation):
        return selectors.leave_balance_as_of(user, vacation, date(2026, 12, 31))

    def test_the_team_switching_calendar_recounts_coming_leave(self, api, carol, veteran, team_a, vacation, booked):
        elsewhere = HolidayCalendar.objects.create(name="Elsewhere", country="DE")
        response = api(carol).patch(f"/api/v1/teams/{team_a.pk}", {"holiday_calendar": elsewhere.pk}, format="json")

        assert response.status_code == 200, response.json()
        booked.refresh_from_db()
        assert booked.working_days == 5
        assert self.left(veteran, vacation) == 25 - 5 - 1
        assert AuditEvent.objects.filter(action="leave_recalculated", target_id=str(booked.pk)).count() == 1

    def test_the_team_switching_calendar_in_the_admin_recounts_coming_leave(
        self, client, carol, veteran, team_a, vacation, booked
    ):
        # The admin's form puts the new calendar on the instance before the service runs;
        # the service compared with that instance and saved nothing.
        elsewhere = HolidayCalendar.objects.create(name="Elsewhere", country="DE")
        client.force_login(carol)
        response = client.post(
            f"/admin/users/team/{team_a.pk}/change/",
            {"name": team_a.name, "holiday_calendar": elsewhere.pk, "absences_visible_to_members": "on"},
        )

        assert response.status_code == 302, response.content.decode()[:2000]
        team_a.refresh_from_db()
        assert team_a.holiday_calendar == elsewhere
        booked.refresh_from_db()
        assert booked.working_days == 5
        assert self.left(veteran, vacation) == 25 - 5 - 1

    def test_a_person_moving_team_or_working_fewer_days_is_recounted(
        self, api, carol, veteran, team_b, vacation, booked
    ):
        client = api(carol)
        assert client.patch(f"/api/v1/users/{veteran.pk}", {"team": team_b.pk}, format="json").status_code == 200
        booked.refresh_from_db()
        assert booked.working_days == 5  # team B has no holiday calendar

        # Working days change through a contract version (issue 15), from today on.
        version = {"user": veteran.pk, "valid_from": "2026-03-02", "weekly_hours": "32", "work_days": "1234"}
        assert client.post("/api/v1/contracts", version, format="json").status_code == 201
        booked.refresh_from_db()
        assert booked.working_days == 4  # Fridays off now
        # Her only version, so in force all year: 25 x 4/5 = 20 days (issue 16.1), - 4 - 1.
        assert self.left(veteran, vacation) == 20 - 4 - 1

        # A change that does not touch the length of a day of leave books nothing.
        entries = LeaveLedgerEntry.objects.count()
        assert client.patch(f"/api/v1/users/{veteran.pk}", {"first_name": "Al"}, format="json").status_code == 200
        assert LeaveLedgerEntry.objects.count() == entries

    def test_deleting_the_calendar_recounts_the_people_on_it(self, api, carol, veteran, bavaria, vacation, booked):
        response = api(carol).delete(f"/api/v1/holiday-calendars/{bavaria.pk}")

        assert response.status_code == 204
        assert not HolidayCalendar.objects.filter(pk=bavaria.pk).exists()
        booked.refresh_from_db()
        assert booked.working_days == 5
        assert self.left(veteran, vacation) == 25 - 5 - 1
        assert AuditEvent.objects.filter(action="holidaycalendar_deleted").exists()
