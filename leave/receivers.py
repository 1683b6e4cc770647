"""Leave follows the people's side through `core.signals.leave_basis_changed` (the list of
every signal and receiver is in core/signals.py)."""

from datetime import date
from decimal import Decimal

from core.signals import expected_hours_requested, leave_basis_changed, person_employed
from leave.models import LeaveRequest
from leave.selectors import expected_hours
from leave.selectors_account import toil_hours
from leave.services import (
    leave_entitlement_book_for_new_person,
    leave_entitlement_recount,
    leave_requests_recount,
)


def leave_recount(sender, *, user_ids, since, actor, reason: str, **kwargs) -> None:
    """Inside the sender's transaction: re-count these people's leave from `since` on, and
    their entitlement of the years it touches (work days under a changed contract, the exit
    year of those with an end of employment, BUrlG §5)."""
    leave_requests_recount(user_ids=user_ids, since=since, actor=actor, reason=reason)
    leave_entitlement_recount(user_ids=user_ids, since=since, actor=actor)


def expected_hours_answer(sender, *, user, start: date, end: date, **kwargs) -> list[Decimal]:
    """The contract's hours from `start` to `end` less holidays and approved leave, time off
    in lieu included: a comp-time day stays expected for the working-time account (the
    account pays for it), but nobody is asked why they did not work it."""
    expected = expected_hours(user, start, end)
    in_lieu = toil_hours(user, start, end, expected, statuses=[LeaveRequest.Status.APPROVED])
    return [sum(expected.values(), Decimal(0)) - in_lieu]


def leave_entitlement_book(sender, *, user, **kwargs) -> None:
    """Inside the sender's transaction: a new person's allowance of the year, booked now."""
    leave_entitlement_book_for_new_person(user=user)


def connect() -> None:
    leave_basis_changed.connect(leave_recount, dispatch_uid="leave-recount-on-basis-change")
    expected_hours_requested.connect(expected_hours_answer, dispatch_uid="leave-expected-hours")
    person_employed.connect(leave_entitlement_book, dispatch_uid="leave-entitlement-for-new-person")
