"""A person's contract versions and working-time account as a page (issue 15):
`/users/me/contract/` for the person, `/users/<id>/contract/` for whoever sees them (their
managers, admins; others get 404). Admins add a version and book an account adjustment
here, through `users.services.contract_version_create` and
`leave.services.working_time_adjustment_create`; a refusal is shown next to the field it
names (a closed month, which names none, above the form with its 409)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import dateformat
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from core.pages import format_hours
from core.pages import local_timezone as _local_timezone
from leave import selectors_account, services
from leave.forms import WEEKDAYS, AccountAdjustmentForm, ContractVersionForm
from users.models import Contract, User
from users.selectors import contract_in_force_today, visible_user_or_self
from users.services import contract_version_create

WEEKDAY_NAMES = dict(WEEKDAYS)


def day_label(day: date) -> str:
    """Mon 16 Feb 2026."""
    return dateformat.format(day, "D j M Y")


def _person(request, user_id: int | None) -> User:
    return visible_user_or_self(request.user, user_id)


def _ensure_admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDenied(gettext("Only admins change contracts and working-time accounts."))


def _context(request, person: User, *, version_form=None, adjustment_form=None) -> dict:
    today = person.local_today()
    versions = list(Contract.objects.filter(user=person).select_related("holiday_calendar", "policy"))
    in_force = contract_in_force_today(person)
    account = selectors_account.working_time_account(person, today)
    adjustments = selectors_account.adjustments_visible_to(request.user).filter(user=person).order_by("-date", "-pk")
    writes = request.user.is_admin
    return {
        "person": person,
        "is_me": person == request.user,
        "employment": {
            "start": day_label(person.employment_start),
            "end": day_label(person.employment_end) if person.employment_end else "",
        },
        "versions": [
            {
                "valid_from": day_label(version.valid_from),
                "in_force": in_force is not None and version.pk == in_force.pk,
                "weekly_hours": format_hours(version.weekly_hours),
                "work_days": ", ".join(str(WEEKDAY_NAMES[day]) for day in sorted(version.work_days)),
                "holiday_calendar": version.holiday_calendar,
                "policy": version.policy,
            }
            for version in versions
        ],
        "account": {
            "text": selectors_account.account_summary(account),
            "is_negative": account.balance_hours < 0,
            "rows": [
                (gettext("Opening balance"), format_hours(account.opening_balance_hours)),
                (gettext("Worked"), format_hours(account.worked_hours)),
                (gettext("Expected"), format_hours(account.expected_hours)),
                (gettext("Adjustments"), format_hours(account.adjustment_hours)),
                (gettext("of it, time off in lieu"), format_hours(account.toil_hours)),
            ],
        },
        "adjustments": [
            {
                "date": day_label(adjustment.date),
                "kind": adjustment.get_kind_display(),
                "hours": selectors_account.signed_hours(adjustment.hours),
                "reason": adjustment.reason,
                "actor": adjustment.actor,
            }
            for adjustment in adjustments[:100]
        ],
        "writes": writes,
        "version_form": (version_form or ContractVersionForm()) if writes else None,
        "adjustment_form": (adjustment_form or AccountAdjustmentForm(initial={"date": today})) if writes else None,
    }


def _refused(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.detail)


@login_required
@require_GET
@_local_timezone
def contract_page(request, user_id: int | None = None):
    person = _person(request, user_id)
    return render(request, "leave/contract.html", _context(request, person))


@login_required
@require_POST
@_local_timezone
def contract_version_add(request, user_id: int):
    person = _person(request, user_id)
    _ensure_admin(request.user)
    form = ContractVersionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            version = contract_version_create(actor=request.user, user=person, request=request, **form.cleaned_data)
        except DomainError as error:
            _refused(form, error)
            status = error.status_code
        else:
            messages.success(
                request, gettext("New contract version from %(day)s.") % {"day": day_label(version.valid_from)}
            )
            return redirect("user-contract", user_id=person.pk)
    return render(request, "leave/contract.html", _context(request, person, version_form=form), status=status)


@login_required
@require_POST
@_local_timezone
def account_adjustment_add(request, user_id: int):
    person = _person(request, user_id)
    _ensure_admin(request.user)
    form = AccountAdjustmentForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            adjustment, _ = services.working_time_adjustment_create(
                actor=request.user,
                user=person,
                kind=data["kind"],
                hours=data["hours"],
                on=data["date"],
                reason=data["reason"],
            )
        except DomainError as error:
            _refused(form, error)
            status = error.status_code
        else:
            hours = selectors_account.signed_hours(adjustment.hours)
            messages.success(
                request,
                gettext("%(kind)s of %(hours)s booked for %(person)s.")
                % {"kind": adjustment.get_kind_display(), "hours": hours, "person": person},
            )
            return redirect("user-contract", user_id=person.pk)
    return render(request, "leave/contract.html", _context(request, person, adjustment_form=form), status=status)
