"""Closing a month for payroll, and reopening it.

Closing freezes, per person in scope, the month's worked hours (`timeentries`) and expected
hours (`leave.selectors.expected_hours_of`): that needs both layers, so it lives here. The
lock itself (`users.closings`) lives in `users`, where every layer that writes a person's
time can ask it.
"""

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from core.periods import hours
from core.signals import month_closing
from leave.selectors import expected_hours_of
from leave.selectors_account import working_time_account
from timeentries.selectors import day_worked
from users.closings import month_start
from users.models import MonthClosing, MonthClosingRow, Team, User
from users.permissions import ensure_admin


def _month_days(month: date) -> list[date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return [month + timedelta(days=offset) for offset in range(last)]


def people_in_closing_scope(*, month: date, team: Team | None) -> list[User]:
    """The people a closing of `month` for `team` (None: the company) covers: everyone
    employed on some day of the month, people whose employment ended in it included (their
    account may be switched off already); for a team, its members at close time. Someone
    who changed teams during the month is frozen by their present team's closing or the
    company's: the lock (`users.closings`) follows the person's present team too."""
    days = _month_days(month)
    people = User.objects.filter(employment_start__lte=days[-1]).filter(
        Q(employment_end__isnull=True) | Q(employment_end__gte=days[0])
    )
    if team is not None:
        people = people.filter(team=team)
    return list(people.select_related("team").order_by("email"))


@transaction.atomic
def month_closing_create(*, actor: User, month: date, team: Team | None = None) -> MonthClosing:
    """An admin closes `month` (any day of it) for `team`, or the company when None. Freezes
    one row per person in scope; a month already closed for that scope is a 409."""
    ensure_admin(actor, denied=_("Only admins can close a month."))
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise DomainValidationError(_("A month that has not begun cannot be closed."), field="month")
    return _close(month=month, team=team, actor=actor, actor_label="")


@transaction.atomic
def month_closing_close_if_open(*, month: date, actor: User | None, actor_label: str) -> int | None:
    """The beat job's close of `month` for the company: the new closing's id, or None when
    the month is closed already (so a rerun changes nothing)."""
    month = month_start(month)
    if MonthClosing.objects.filter(month=month, team=None, reopened_at__isnull=True).exists():
        return None
    return _close(month=month, team=None, actor=actor, actor_label=actor_label).pk


def _close(*, month: date, team: Team | None, actor: User | None, actor_label: str) -> MonthClosing:
    label = dateformat.format(month, "F Y")
    if team is None:
        message = _("%(month)s is closed already for the company.") % {"month": label}
    else:
        message = _("%(month)s is closed already for %(team)s.") % {"month": label, "team": team}
    already = Conflict(message, code="already_closed")
    if MonthClosing.objects.filter(month=month, team=team, reopened_at__isnull=True).exists():
        raise already
    try:
        with transaction.atomic():
            closing = MonthClosing.objects.create(month=month, team=team, closed_by=actor)
    except IntegrityError:  # a second close at the same moment
        raise already from None
    days = _month_days(month)
    people = people_in_closing_scope(month=month, team=team)
    # What follows the closing (the forfeit above an account cap) is booked before the
    # figures are frozen, so the snapshot holds it.
    month_closing.send(sender=MonthClosing, closing=closing, people=people, last_day=days[-1])
    expected = expected_hours_of(people, days[0], days[-1])
    MonthClosingRow.objects.bulk_create(
        MonthClosingRow(
            closing=closing,
            user=person,
            worked_hours=hours(sum(day_worked(person, days).values(), timedelta())),
            expected_hours=sum(expected[person.pk].values(), Decimal(0)),
            balance_hours=working_time_account(person, days[-1]).balance_hours,
        )
        for person in people
    )
    audit_event_record(
        action="month_closed",
        actor=actor,
        actor_label=actor_label,
        target=closing,
        data={"month": f"{month:%Y-%m}", "team": team.pk if team else None, "people": len(people)},
    )
    return closing


@transaction.atomic
def month_closing_reopen(*, closing_id: int, actor: User) -> MonthClosing:
    """An admin reopens a closed month: its entries, leave and contracts are writable again.
    The closing and its snapshot stay, marked reopened."""
    ensure_admin(actor, denied=_("Only admins can reopen a month."))
    closing = MonthClosing.objects.select_for_update().get(pk=closing_id)
    if closing.reopened_at is not None:
        raise Conflict(
            _("%(month)s was reopened already.") % {"month": dateformat.format(closing.month, "F Y")},
            code="invalid_state",
        )
    closing.reopened_by, closing.reopened_at = actor, timezone.now()
    closing.save(update_fields=["reopened_by", "reopened_at"])
    audit_event_record(
        action="month_reopened",
        actor=actor,
        target=closing,
        data={"month": f"{closing.month:%Y-%m}", "team": closing.team_id},
    )
    return closing


def previous_month(today: date) -> date:
    return month_start(month_start(today) - timedelta(days=1))
