"""Forfeiture and the carry-over's expiry (issue 16, items 3, 4 and 9; docs/COMPLIANCE.md).

The story: alice has worked here for years (25 days of vacation a year, up to 5 carried
over until 31 March). In 2025 she takes 10 days in June, so 15 are left at the end of the
year. When she was told in October (the forfeiture notice), New Year carries 5 over and
closes 10: 25 + 5 = 30 on 1 January 2026."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client

from core.errors import DomainValidationError
from core.models import AuditEvent
from leave import selectors, services
from leave.models import LeaveForfeitureNotice, LeaveLedgerEntry
from leave.tests.helpers import ask

pytestmark = pytest.mark.django_db

NOTICES = "/api/v1/leave/forfeiture-notices"


def at(moment: str):
    """The clock at `moment` (ISO, UTC), standing still."""
    return time_machine.travel(datetime.fromisoformat(moment).replace(tzinfo=UTC), tick=False)


def approved(user, manager, leave_type, start, end=None, *, on: str):
    """Leave asked and approved at `on`."""
    with at(on):
        return services.leave_request_approve(request_id=ask(user, leave_type, start, end).pk, actor=manager)


def balance(user, leave_type, day: str) -> Decimal:
    return selectors.leave_balance_as_of(user, leave_type, date.fromisoformat(day))


def lapsed(user, leave_type, year: int) -> list[Decimal]:
    """The carry-over expiry rows booked in `year` (New Year's closes left out)."""
    rows = LeaveLedgerEntry.objects.filter(
        user=user, leave_type=leave_type, kind=LeaveLedgerEntry.Kind.EXPIRY, idempotency_key__startswith="carry-expiry:"
    )
    return [-amount for amount in rows.filter(date__year=year).values_list("amount", flat=True)]


@pytest.fixture
def year_2025(alice, bob, vacation):
    """2025 as in the story, up to October: 15 days left."""
    with at("2025-01-01T09:00"):
        services.leave_accrue_year(year=2025, users=[alice])
    approved(alice, bob, vacation, "2025-06-02", "2025-06-13", on="2025-05-05T09:00")
    return alice


def notify(day: str) -> int:
    with at(f"{day}T07:00"):
        return services.leave_forfeiture_notices_send_due(today=date.fromisoformat(day))


def new_year(alice, year: int):
    with at(f"{year}-01-01T09:00"):
        services.leave_accrue_year(year=year, users=[alice])


@pytest.fixture
def told(year_2025, vacation):
    """The story with the notice sent on 1 October 2025: 30 days on 1 January 2026."""
    assert notify("2025-10-01") == 1
    new_year(year_2025, 2026)
    assert balance(year_2025, vacation, "2026-01-01") == 30
    return year_2025


def expire(day: str) -> int:
    return services.leave_carry_over_expire(today=date.fromisoformat(day))


# --- 16.9 expiry arithmetic ------------------------------------------------------------------


def test_leave_on_the_expiry_day_itself_uses_the_carry_over(told, bob, vacation):
    approved(told, bob, vacation, "2026-02-02", on="2026-01-15T09:00")
    approved(told, bob, vacation, "2026-03-31", on="2026-01-15T09:00")
    assert expire("2026-03-31") == 0  # 31 March is still the carry-over's day
    assert expire("2026-04-01") == 1
    assert lapsed(told, vacation, 2026) == [3]  # 5 carried - 2 used (not 4: 31 March counts)
    assert balance(told, vacation, "2026-03-31") == 28
    assert balance(told, vacation, "2026-04-01") == 25


def test_a_positive_adjustment_is_not_use_of_the_carry_over(told, bob, carol, vacation):
    approved(told, bob, vacation, "2026-02-02", "2026-02-03", on="2026-01-15T09:00")
    services.ledger_adjust(
        actor=carol, user=told, leave_type=vacation, amount=Decimal(2), on=date(2026, 2, 15), note="Overtime swapped"
    )
    expire("2026-04-01")
    assert lapsed(told, vacation, 2026) == [3]  # 5 - 2 taken; the +2 adds entitlement, it takes nothing (not 5)
    assert balance(told, vacation, "2026-04-01") == 30 - 2 + 2 - 3


def test_a_request_starting_in_march_uses_the_carry_over_for_its_march_days_only(told, bob, vacation):
    with at("2026-03-27T09:00"):
        late = ask(told, vacation, "2026-03-30", "2026-04-03")  # Mon 30 Mar to Fri 3 Apr: 5 days
    with at("2026-04-01T06:00"):  # approved after the expiry, before the job ran
        services.leave_request_approve(request_id=late.pk, actor=bob)
    expire("2026-04-01")
    assert lapsed(told, vacation, 2026) == [3]  # 30 and 31 March used 2 of the 5 (not 0)
    assert balance(told, vacation, "2026-12-31") == 30 - 5 - 3


# --- 16.4 expiry and approved future leave ----------------------------------------------------


def test_leave_approved_before_the_expiry_keeps_the_carry_over_it_needs(told, bob, vacation):
    # 29 working days from Monday 4 May to Thursday 11 June, approved in January.
    approved(told, bob, vacation, "2026-05-04", "2026-06-11", on="2026-01-15T09:00")
    assert expire("2026-04-01") == 0  # booked against the carry-over first: nothing lapses (was 5)
    assert balance(told, vacation, "2026-12-31") == 1  # not -4
    assert selectors.leave_balances(told, date(2026, 4, 1))[0]["left"] == 1


def test_a_request_starting_in_march_approved_before_the_expiry_keeps_the_carry_over(told, bob, vacation):
    approved(told, bob, vacation, "2026-03-30", "2026-04-03", on="2026-03-27T09:00")
    expire("2026-04-01")
    assert lapsed(told, vacation, 2026) == []
    assert balance(told, vacation, "2026-12-31") == 25


def test_the_balance_check_knows_the_carry_over_lapsed_before_the_job_booked_it(told, bob, vacation):
    with at("2026-04-01T00:30"):  # the expiry is over; the job runs at 01:15
        with pytest.raises(DomainValidationError, match="25 days available, 27 requested"):
            ask(told, vacation, "2026-06-01", "2026-07-07")  # 27 days
        fits = ask(told, vacation, "2026-06-01", "2026-07-03")  # 25 days
    assert fits.working_days == 25


def test_next_years_plans_count_only_what_new_year_carries_over(alice, bob, vacation):
    with at("2026-01-01T09:00"):
        services.leave_accrue_year(year=2026, users=[alice])
    approved(alice, bob, vacation, "2026-06-01", "2026-06-05", on="2026-03-02T09:00")  # 20 days left
    with at("2026-12-01T09:00"):
        # 2027: 5 of the 20 carried over + 25 = 30 (not 45); 31 days from 4 January is too much.
        with pytest.raises(DomainValidationError, match="30 days available, 31 requested"):
            ask(alice, vacation, "2027-01-04", "2027-02-15")
        assert ask(alice, vacation, "2027-01-04", "2027-02-12").working_days == 30


# --- 16.3 forfeiture only after notice ----------------------------------------------------------


def test_without_a_notice_nothing_lapses(year_2025, vacation):
    new_year(year_2025, 2026)
    assert balance(year_2025, vacation, "2026-01-01") == 40  # all 15 carried over, none closed
    assert expire("2026-04-01") == 0
    assert balance(year_2025, vacation, "2026-12-31") == 40


def test_the_notice_job_tells_each_person_once_from_the_notice_date(
    year_2025, vacation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert notify("2025-09-30") == 0
        assert notify("2025-10-01") == 1
        assert notify("2025-10-02") == 0
    notice = LeaveForfeitureNotice.objects.get(user=year_2025)
    assert (notice.year, notice.remaining, notice.lapses_on, notice.carry_over_lapses_on) == (
        2025,
        Decimal(15),
        date(2025, 12, 31),
        date(2026, 3, 31),
    )
    assert (notice.channel, notice.sent_by) == ("email", None)
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    body = mail.outbox[0].body
    assert "15 days of your Vacation for 2025 are not taken or planned yet" in body
    assert "31 December 2025" in body and "up to 5 days" in body and "31 March 2026" in body
    event = AuditEvent.objects.get(action="leave_forfeiture_notice_sent")
    assert event.target_id == str(notice.pk) and event.actor_id is None


def test_the_notice_job_skips_people_with_nothing_left(alice, bob, vacation):
    with at("2025-01-01T09:00"):
        services.leave_accrue_year(year=2025, users=[alice])
    approved(alice, bob, vacation, "2025-06-02", "2025-07-04", on="2025-05-05T09:00")  # all 25
    assert notify("2025-10-01") == 0
    assert not LeaveForfeitureNotice.objects.exists()


# --- 16.3 long-term illness (CJEU C-214/10 KHS) ----------------------------------------------------


def test_illness_through_the_carry_over_period_postpones_the_lapse_fifteen_months(told, bob, sick, vacation):
    with at("2026-01-02T09:00"):
        ask(told, sick, "2026-01-01", "2026-03-31")  # sick the whole carry-over period
    assert expire("2026-04-01") == 0  # the 5 carried days are kept
    assert notify("2026-10-01") == 1  # 30 left of 2026
    new_year(told, 2027)
    # 2026 closes 25 above the kept 5: 5 carried again; the kept 5 stay until 31 March 2027.
    assert balance(told, vacation, "2027-01-01") == 5 + 5 + 25
    approved(told, bob, vacation, "2027-02-01", "2027-02-03", on="2027-01-11T09:00")  # 3 days: oldest first
    assert expire("2027-03-31") == 0
    assert expire("2027-04-01") == 2
    assert sorted(lapsed(told, vacation, 2027)) == [2, 5]  # 2 of 2025's days (15 months on), all of 2026's 5
    assert balance(told, vacation, "2027-04-01") == 35 - 3 - 7


def test_illness_for_part_of_the_carry_over_period_does_not_postpone(told, sick, vacation):
    with at("2026-01-02T09:00"):
        ask(told, sick, "2026-01-01", "2026-03-27")  # back on Monday 30 March
    assert expire("2026-04-01") == 1
    assert lapsed(told, vacation, 2026) == [5]


# --- where the notice shows: /leave/, the API, the admin -----------------------------------------


def test_leave_page_shows_the_notice_and_the_carry_over_about_to_lapse(told, password):
    client = Client()
    assert client.login(email=told.email, password=password)
    with at("2026-03-02T10:00"):
        html = client.get("/leave/").content.decode()
    assert "You were told on 1 Oct 2025 that 15 days of your 2025 vacation lapse if not taken by 31 Dec 2025" in html
    assert "except up to 5 days carried over until 31 Mar 2026" in html
    assert "5 days of vacation carried over from 2025 lapse unless taken or approved by 31 Mar 2026." in html


def test_the_api_lists_notices_scoped_like_the_ledger(told, api, bob, dave, carol):
    own = api(told).get(NOTICES).json()["results"]
    assert [(row["user"], row["year"], row["remaining"], row["lapses_on"]) for row in own] == [
        (told.pk, 2025, "15.00", "2025-12-31")
    ]
    assert own[0]["carry_over_lapses_on"] == "2026-03-31" and own[0]["channel"] == "email"
    assert own[0]["text"].startswith("15 days of your Vacation for 2025 are not taken or planned yet.")
    assert len(api(bob).get(NOTICES, {"user": told.pk}).json()["results"]) == 1
    assert api(dave).get(NOTICES).json()["results"] == []
    assert api(dave).get(f"{NOTICES}/{own[0]['id']}").status_code == 404
    assert api(carol).get(NOTICES, {"year": 2024}).json()["results"] == []
    assert api(carol).post(NOTICES, {}).status_code == 405


def test_the_admin_lists_notices_read_only(told, bob, dave, carol, password):
    client = Client()
    assert client.login(email=carol.email, password=password)
    listing = client.get("/admin/leave/leaveforfeiturenotice/")
    assert listing.status_code == 200 and str(told) in listing.content.decode()
    manager = Client()
    assert manager.login(email=bob.email, password=password)
    assert str(told) in manager.get("/admin/leave/leaveforfeiturenotice/").content.decode()
    assert manager.get("/admin/leave/leaveforfeiturenotice/add/").status_code == 403


def test_an_admin_records_a_notice_given_by_letter(told, dave, carol, vacation, password):
    client = Client()
    assert client.login(email=carol.email, password=password)
    form = {"user": dave.pk, "leave_type": vacation.pk, "year": 2025, "channel": "letter"}
    with at("2025-10-15T09:00"):
        assert client.post("/admin/leave/leaveforfeiturenotice/add/", form).status_code == 302
    notice = LeaveForfeitureNotice.objects.get(user=dave)
    assert (notice.channel, notice.sent_by, notice.year) == ("letter", carol, 2025)
    assert mail.outbox == []  # a letter is recorded, not mailed
    again = client.post("/admin/leave/leaveforfeiturenotice/add/", form)
    assert again.status_code == 200 and LeaveForfeitureNotice.objects.filter(user=dave).count() == 1


def test_illness_from_the_notice_to_new_year_keeps_the_whole_year(year_2025, sick, vacation):
    assert notify("2025-10-01") == 1  # 15 days left
    with at("2025-10-02T09:00"):
        ask(year_2025, sick, "2025-10-01", "2025-12-31")  # ill from the day she was told
    new_year(year_2025, 2026)
    assert balance(year_2025, vacation, "2026-01-01") == 15 + 25  # nothing closed above the cap
