"""Server-rendered leave pages: a person's balances, requests and request form (/leave/),
and the team page where everyone sees who is away and managers decide pending requests
(/leave/team/).

Every write goes through `leave.services`; a `DomainError` is shown next to the input it
names. What lives here is page work only: parsing a month, the forms; the team's month grid is
`leave.team_calendar`.
"""

from calendar import monthrange
from datetime import date, datetime
from decimal import Decimal
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.dates import date_in_range
from core.errors import DomainError, DomainValidationError
from core.forms import DecisionForm
from core.pages import decision_apply, format_hours
from core.pages import first_error as _first_error
from core.pages import local_timezone as _local_timezone
from leave import selectors, selectors_account, selectors_lapse, services, team_calendar
from leave.forms import LeavePreviewForm, LeaveRequestForm, LeaveShortenForm
from leave.models import LeaveRequest, LeaveType
from users.models import User
from users.selectors import users_whose_absences_visible_to

Status = LeaveRequest.Status
PREVIEW_HINT = gettext_lazy("pick the first and the last day")
REQUESTS_SHOWN = 100  # the most recent of a person's requests on /leave/
DECISIONS = {
    "approve": (services.leave_request_approve, gettext_lazy("%(person)s: %(dates)s is approved.")),
    "reject": (services.leave_request_reject, gettext_lazy("%(person)s: %(dates)s is rejected.")),
}


def _amount(value: Decimal, unit: str) -> str:
    """Decimal("1.5"), "day" -> "1.5 days"; Decimal(1), "hour" -> "1 hour"."""
    if unit == LeaveType.Unit.HOUR:
        return ngettext("%(amount)s hour", "%(amount)s hours", _count(value)) % {"amount": format_hours(value)}
    return ngettext("%(amount)s day", "%(amount)s days", _count(value)) % {"amount": format_hours(value)}


def _count(value: Decimal) -> int:
    """The number ngettext picks the plural form by: 1 only for exactly one."""
    return 1 if value == 1 else 2


def _length_label(length: selectors.LeaveLength, leave_type: LeaveType | None) -> str:
    days = ngettext("%(amount)s working day", "%(amount)s working days", _count(length.working_days)) % {
        "amount": format_hours(length.working_days)
    }
    if leave_type is not None and leave_type.unit == LeaveType.Unit.HOUR:
        return f"{_amount(length.hours, LeaveType.Unit.HOUR)} ({days})"
    return days


def _dates(leave_request: LeaveRequest) -> str:
    """For messages: 'Vacation from Mon 9 Mar to Fri 13 Mar 2026'."""
    start, end = leave_request.start_date, leave_request.end_date
    return gettext("%(type)s from %(start)s to %(end)s") % {
        "type": leave_request.leave_type.name,
        "start": dateformat.format(start, "D j M"),
        "end": dateformat.format(end, "D j M Y"),
    }


def _ensure_manager(user: User) -> None:
    if not (user.is_manager or user.is_admin):
        raise PermissionDenied(gettext("Only managers and admins decide their team's leave."))


def _ensure_sees_team(user: User) -> None:
    if not user.sees_team_absences:
        raise PermissionDenied(gettext("Your team's absences are shown to its managers only."))


# --- my leave ------------------------------------------------------------------------------


def _leave_context(request, *, form: LeaveRequestForm | None = None, cancel_errors: dict | None = None) -> dict:
    user = request.user
    today = user.local_today()
    cancel_errors = cancel_errors or {}
    balances = [
        {
            **balance,
            **{
                name: _amount(balance[name], balance["unit"])
                for name in ("entitlement", "taken", "planned", "pending", "left")
            },
            "is_negative": balance["left"] < 0,
        }
        for balance in selectors.leave_balances(user, today)
    ]
    leave_requests = (
        LeaveRequest.objects.filter(user=user)
        .select_related("user", "leave_type", "decided_by")
        .order_by("-start_date", "-pk")
    )
    rows = [
        {
            "request": leave_request,
            "amount": _amount(leave_request.amount, leave_request.leave_type.unit),
            "cancellable": services.leave_request_cancellable(request=leave_request, actor=user),
            "shortenable": services.leave_request_shortenable(request=leave_request, actor=user),
            "error": cancel_errors.get(leave_request.pk, ""),
        }
        for leave_request in leave_requests[:REQUESTS_SHOWN]
    ]
    account = selectors_account.working_time_account(user, today)
    return {
        "lapsing": _lapsing(user, today),
        "nav": "leave",
        "today": today,
        "balances": balances,
        "account": {
            "balance": format_hours(account.balance_hours),
            "is_negative": account.balance_hours < 0,
            "rows": [
                (gettext("Opening balance"), format_hours(account.opening_balance_hours)),
                (gettext("Worked"), format_hours(account.worked_hours)),
                (gettext("Expected"), format_hours(account.expected_hours)),
                (gettext("Adjustments"), format_hours(account.adjustment_hours)),
                (gettext("of it, time off in lieu"), format_hours(account.toil_hours)),
            ],
        },
        "rows": rows,
        "form": form or LeaveRequestForm(),
        "preview": _preview_of(user, form.data) if form is not None else {"message": PREVIEW_HINT, "error": False},
        "has_calendar": selectors.calendar_id_today(user) is not None,
    }


def _lapsing(user: User, today: date) -> dict:
    """What /leave/ says about leave lapsing: the forfeiture notices the person was given for
    this year and last, and a carry-over that lapses on a coming day unless used."""
    notices = []
    for notice in selectors.forfeiture_notices_visible_to(user).filter(user=user, year__gte=today.year - 1):
        told_on = timezone.localdate(notice.sent_at, user.tzinfo)
        values = {
            "told_on": dateformat.format(told_on, "j M Y"),
            "amount": _amount(notice.remaining, notice.leave_type.unit),
            "year": notice.year,
            "type": notice.leave_type.name.lower(),
            "lapses_on": dateformat.format(notice.lapses_on, "j M Y"),
        }
        if notice.carry_over_lapses_on:
            values["carry"] = _amount(notice.max_carry_over, notice.leave_type.unit)
            values["carry_until"] = dateformat.format(notice.carry_over_lapses_on, "j M Y")
            text = gettext(
                "You were told on %(told_on)s that %(amount)s of your %(year)s %(type)s lapse if not taken by "
                "%(lapses_on)s, except up to %(carry)s carried over until %(carry_until)s."
            )
        else:
            text = gettext(
                "You were told on %(told_on)s that %(amount)s of your %(year)s %(type)s lapse if not taken by "
                "%(lapses_on)s."
            )
        notices.append(text % values)
    coming = []
    expiring = LeaveType.objects.filter(active=True, tracks_balance=True, carry_over_expires_month__isnull=False)
    for leave_type in expiring:
        lapse = selectors_lapse.carry_over_lapse(user, leave_type, today.year, as_of=today)
        if lapse.amount > 0 and lapse.last_day is not None and lapse.last_day >= today:
            coming.append(
                gettext("%(amount)s of %(type)s carried over from %(year)s lapse unless taken or approved by %(day)s.")
                % {
                    "amount": _amount(lapse.amount, leave_type.unit),
                    "type": leave_type.name.lower(),
                    "year": today.year - 1,
                    "day": dateformat.format(lapse.last_day, "j M Y"),
                }
            )
    return {"notices": notices, "coming": coming}


@login_required
@require_http_methods(["GET", "POST"])
@_local_timezone
def leave_page(request):
    """My balances and requests; a POST asks for leave."""
    if request.method == "GET":
        return render(request, "leave/leave.html", _leave_context(request))
    form = LeaveRequestForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.leave_request_create(
                actor=request.user,
                leave_type=data["type"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                start_half=data["start_half"],
                end_half=data["end_half"],
                reason=data["reason"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.detail)
            status = error.status_code
        else:
            done = (
                gettext("%(dates)s is recorded (%(amount)s).")
                if created.status == Status.APPROVED
                else gettext("%(dates)s is requested (%(amount)s).")
            )
            messages.success(
                request, done % {"dates": _dates(created), "amount": _amount(created.amount, created.leave_type.unit)}
            )
            return redirect("leave")
    return render(request, "leave/leave.html", _leave_context(request, form=form), status=status)


def _preview_of(user: User, data) -> dict:
    """The working days the form's dates take, or why they cannot be counted yet (the
    service's own checks, `leave_request_length`)."""
    form = LeavePreviewForm(data)
    if not form.is_valid():
        return {"message": _first_error(form), "error": True}
    cleaned = form.cleaned_data
    start, end, start_half, end_half = (cleaned[name] for name in ("start_date", "end_date", "start_half", "end_half"))
    if start is None or end is None:
        return {"message": PREVIEW_HINT, "error": False}
    try:
        length = services.leave_request_length(
            user=user,
            leave_type=cleaned["type"],
            start_date=start,
            end_date=end,
            start_half=start_half,
            end_half=end_half,
        )
    except DomainValidationError as error:
        return {"message": error.detail, "error": True}
    return {"message": _length_label(length, cleaned["type"]), "error": False}


@login_required
@require_GET
def leave_preview(request):
    """How many working days the form's dates take, for the live count next to the form.
    Always 200 (htmx swaps only successful answers): a problem is the message shown."""
    return render(request, "leave/_preview.html", _preview_of(request.user, request.GET))


@login_required
@require_POST
@_local_timezone
def leave_cancel(request, request_id: int):
    """The owner withdraws a pending request or cancels approved leave not yet started."""
    leave_request = get_object_or_404(LeaveRequest.objects.filter(user=request.user), pk=request_id)
    try:
        cancelled = services.leave_request_cancel(request_id=leave_request.pk, actor=request.user)
    except DomainError as error:
        context = _leave_context(request, cancel_errors={leave_request.pk: error.detail})
        return render(request, "leave/leave.html", context, status=error.status_code)
    messages.success(request, gettext("%(dates)s is cancelled.") % {"dates": _dates(cancelled)})
    return redirect("leave")


@login_required
@require_POST
@_local_timezone
def leave_shorten(request, request_id: int):
    """The owner ends a pending request earlier (approved leave is shortened by a manager)."""
    leave_request = get_object_or_404(LeaveRequest.objects.filter(user=request.user), pk=request_id)
    form = LeaveShortenForm(request.POST, auto_id=f"shorten-{leave_request.pk}-%s")
    try:
        if not form.is_valid():
            raise DomainValidationError(
                gettext("New last day: %(error)s") % {"error": _first_error(form)}, field="end_date"
            )
        shortened = services.leave_request_shorten(
            request_id=leave_request.pk,
            actor=request.user,
            end_date=form.cleaned_data["end_date"],
            end_half=form.cleaned_data["end_half"],
        )
    except DomainError as error:
        context = _leave_context(request, cancel_errors={leave_request.pk: error.detail})
        return render(request, "leave/leave.html", context, status=error.status_code)
    messages.success(request, gettext("%(dates)s is shortened.") % {"dates": _dates(shortened)})
    return redirect("leave")


# --- the team ------------------------------------------------------------------------------


def _requested_month(value: str | None, user: User) -> tuple[date, str]:
    """The first day of `value` ("2026-03"), else of the user's current month and an error."""
    if value:
        try:
            parsed = datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            pass
        else:
            if date_in_range(parsed):
                return parsed, ""
        return user.local_today().replace(day=1), gettext("Use a month such as 2026-03.")
    return user.local_today().replace(day=1), ""


def _month_label(first: date) -> str:
    return f"{first:%Y-%m}"


def _shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _decision_forms(leave_request: LeaveRequest, bound: dict) -> dict:
    return {
        decision: bound.get((leave_request.pk, decision)) or DecisionForm(auto_id=f"lr{leave_request.pk}-{decision}-%s")
        for decision in DECISIONS
    }


def _team_context(request, *, first: date, forms: dict | None = None, month_error: str = "") -> dict:
    """Pending requests to decide (managers and admins) and the month's calendar of the people
    whose absences the reader sees, in a fixed number of queries."""
    reader = request.user
    today = reader.local_today()
    last = first.replace(day=monthrange(first.year, first.month)[1])
    decides = reader.is_manager or reader.is_admin
    pending = (
        selectors.leave_requests_visible_to(reader)
        .exclude(user=reader)
        .filter(status=Status.PENDING)
        .order_by("start_date", "user__email")
        if decides
        else LeaveRequest.objects.none()
    )
    people = list(
        users_whose_absences_visible_to(reader).filter(is_active=True).order_by("first_name", "last_name", "email")
    )
    absences = list(selectors.absences_seen_by(reader, first, last))
    holidays = selectors.holidays_of_user(reader, first, last)
    shown = {selectors.shown_type(absence) for absence in absences}
    labels = team_calendar.short_labels(shown)
    return {
        "nav": "leave-team",
        "decides": decides,
        "pending": [
            {
                "request": leave_request,
                "amount": _amount(leave_request.amount, leave_request.leave_type.unit),
                "forms": _decision_forms(leave_request, forms or {}),
            }
            for leave_request in pending
        ],
        "calendar": team_calendar.team_calendar(
            people, absences, holidays, labels, first=first, last=last, today=today
        ),
        "legend": [
            {"label": labels[leave_type.code], "type": leave_type} for leave_type in sorted(shown, key=lambda t: t.code)
        ],
        "holiday_label": team_calendar.HOLIDAY_LABEL,
        "has_calendar": bool(selectors.calendar_ids_of_user(reader, first, last)),
        "month": {
            "first": first,
            "last": last,
            "label": _month_label(first),
            "prev": _month_label(_shift_month(first, -1)),
            "next": _month_label(_shift_month(first, 1)),
            "current": _month_label(today.replace(day=1)),
            "is_current": first == today.replace(day=1),
        },
        "month_error": month_error,
        "decision_error": "",
    }


@login_required
@require_GET
@_local_timezone
def team_page(request):
    _ensure_sees_team(request.user)
    first, month_error = _requested_month(request.GET.get("month"), request.user)
    context = _team_context(request, first=first, month_error=month_error)
    return render(request, "leave/team.html", context, status=400 if month_error else 200)


@login_required
@require_POST
@_local_timezone
def leave_decide(request, request_id: int, decision: str):
    """Approve or reject a pending request, then go back to the team page's month."""
    _ensure_manager(request.user)
    leave_request = get_object_or_404(selectors.leave_requests_visible_to(request.user), pk=request_id)
    first, _ = _requested_month(request.POST.get("month"), request.user)
    decide, past = DECISIONS[decision]
    form = DecisionForm(request.POST, auto_id=f"lr{leave_request.pk}-{decision}-%s")
    status = decision_apply(form, partial(decide, request_id=leave_request.pk, actor=request.user))
    if status is None:
        messages.success(request, past % {"person": leave_request.user, "dates": _dates(leave_request)})
        return redirect(f"{reverse('leave-team')}?month={_month_label(first)}")
    context = _team_context(request, first=first, forms={(leave_request.pk, decision): form})
    if all(row["request"].pk != leave_request.pk for row in context["pending"]):
        # Not among the rows (decided meanwhile, or the manager's own): say it on top.
        context["decision_error"] = f"{leave_request.user}: {_first_error(form)}"
    return render(request, "leave/team.html", context, status=status)
