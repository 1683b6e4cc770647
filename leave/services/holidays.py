"""Holiday calendars and their holidays, and the re-count of leave when what makes a leave
day long changes (a holiday added or removed, a calendar deleted, someone's contract)."""

from datetime import date

import holidays as holidays_package
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from core.texts import ShortDate, Template, english
from leave import selectors
from leave.models import Holiday, HolidayCalendar, LeaveLedgerEntry, LeaveRequest, holiday_categories_of
from leave.services.requests import leave_request_rebook, leave_sick_credits_sync
from users.closings import closed_months_of, first_closed_month_for_any, month_closed_conflict, month_start
from users.models import Contract, User
from users.permissions import ensure_admin

Kind = LeaveLedgerEntry.Kind
Status = LeaveRequest.Status


# Why requests are re-counted, as their ledger notes say it (`core.texts`).
HOLIDAY_ADDED = Template(gettext_noop("Holiday %(name)s added"))
HOLIDAY_REMOVED = Template(gettext_noop("Holiday %(name)s removed"))


def _first_open_day(request: LeaveRequest) -> date | None:
    """The request's first day in a month not closed for payroll for its person, or None
    when all its days lie in closed months."""
    closed = closed_months_of(request.user, request.start_date, request.end_date)
    return next(
        (day for day in selectors.daterange(request.start_date, request.end_date) if month_start(day) not in closed),
        None,
    )


def _recount(requests, *, actor: User | None, note: str, data: dict) -> int:
    """Re-count each request's length as calendars and contracts now stand; an approved one
    books the difference to the ledger as an adjustment, with an audit event. Returns how
    many requests changed.

    Months closed for payroll stay as they were closed: a request lying wholly in closed
    months is not re-counted (an audit event `leave_recount_skipped` names the month, for
    HR to reopen it if the change must reach it), and the adjustment of one that runs into
    an open month is dated on its first open day, never in a closed month."""
    changed = 0
    for request in requests.select_related("user", "leave_type").select_for_update(of=("self",)):
        booked_on = _first_open_day(request)
        if booked_on is None:
            audit_event_record(
                action="leave_recount_skipped",
                actor=actor,
                target=request,
                data={**data, "month_closed": f"{request.start_date:%Y-%m}"},
            )
            continue
        length = selectors.leave_length(
            request.user, request.start_date, request.end_date, request.start_half, request.end_half
        )
        old_amount = request.amount
        request.working_days, request.hours = length.working_days, length.hours
        difference = request.amount - old_amount
        if not difference:
            continue
        changed += 1
        request.save(update_fields=["working_days", "hours", "updated_at"])
        if request.status == Status.APPROVED and request.leave_type.tracks_balance:
            leave_request_rebook(
                request=request,
                kind=Kind.ADJUSTMENT,
                key=f"recalc:{request.pk}",
                note=note,
                actor=actor,
                not_before=booked_on,
            )
            audit_event_record(
                action="leave_recalculated", actor=actor, target=request, data={**data, "difference": str(difference)}
            )
            # A day that is no working day now is no longer given back by sickness on it either.
            leave_sick_credits_sync(leave=request, actor=actor)
    return changed


def _recalculate_after_holiday_change(*, calendar: HolidayCalendar, day: date, actor: User | None, reason: str):
    """Requests covering `day` of everyone on `calendar` are re-counted."""
    affected = LeaveRequest.objects.filter(
        user__in=selectors.users_on_calendar(calendar.pk, since=day),
        status__in=[Status.PENDING, Status.APPROVED],
        start_date__lte=day,
        end_date__gte=day,
    )
    note = Template(gettext_noop("%(reason)s on %(day)s")) % {"reason": reason, "day": ShortDate(day)}
    _recount(affected, actor=actor, note=note, data={"day": day.isoformat(), "reason": english(reason)})


@transaction.atomic
def leave_requests_recount(*, user_ids, since: date, actor: User | None, reason: str) -> int:
    """What makes a leave day long changed for these people (their holiday calendar, their
    working days or contract hours): their pending and approved requests that end on or
    after `since` are re-counted, approved ones booking the difference. Leave taken before
    stays as it was counted then."""
    affected = LeaveRequest.objects.filter(
        user_id__in=list(user_ids), status__in=[Status.PENDING, Status.APPROVED], end_date__gte=since
    )
    return _recount(affected, actor=actor, note=reason, data={"since": since.isoformat(), "reason": english(reason)})


@transaction.atomic
def holiday_calendar_delete(*, calendar: HolidayCalendar, actor: User) -> None:
    """Delete a calendar with its holidays; the people it applied to have their coming
    leave re-counted without those holidays."""
    ensure_admin(actor, denied=_("Only admins can delete holiday calendars."))
    if Contract.objects.filter(holiday_calendar=calendar).exists():
        raise Conflict(
            _("Contract versions name the holiday calendar %(calendar)s; give them another one first.")
            % {"calendar": calendar},
            code="in_use",
        )
    user_ids = list(selectors.users_on_calendar(calendar.pk).values_list("pk", flat=True))
    name = str(calendar)
    calendar.delete()
    audit_event_record(action="holidaycalendar_deleted", actor=actor, data={"repr": name})
    leave_requests_recount(
        user_ids=user_ids,
        since=actor.local_today(),
        actor=actor,
        reason=Template(gettext_noop("Holiday calendar %(name)s deleted")) % {"name": name},
    )


@transaction.atomic
def holiday_create(
    *, calendar: HolidayCalendar, day: date, name: str, half_day: bool = False, actor: User | None = None
) -> Holiday:
    """Add a company day or public holiday (admins); approved leave on that day is re-counted."""
    if actor is not None:
        ensure_admin(actor, denied=_("Only admins can change holiday calendars."))
    return _holiday_add(calendar=calendar, day=day, name=name, half_day=half_day, actor=actor, imported=False)


def _ensure_holiday_month_open(calendar: HolidayCalendar, day: date) -> None:
    """A holiday changes the expected hours of everyone on its calendar: one on a day of a
    month closed for payroll for any of them (company or team closing) would change figures
    frozen by the closing, so it is refused with 409 `month_closed` naming the month."""
    month = first_closed_month_for_any(selectors.users_on_calendar(calendar.pk), day, day)
    if month is not None:
        raise month_closed_conflict(month)


def _holiday_add(*, calendar, day, name, half_day, actor, imported) -> Holiday:
    if Holiday.objects.filter(calendar=calendar, date=day).exists():
        raise Conflict(
            _("%(calendar)s already has a holiday on %(day)s.") % {"calendar": calendar, "day": day}, code="duplicate"
        )
    _ensure_holiday_month_open(calendar, day)
    holiday = Holiday.objects.create(calendar=calendar, date=day, name=name, half_day=half_day, imported=imported)
    _recalculate_after_holiday_change(calendar=calendar, day=day, actor=actor, reason=HOLIDAY_ADDED % {"name": name})
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: Holiday, actor: User) -> None:
    ensure_admin(actor, denied=_("Only admins can change holiday calendars."))
    calendar, day, name = holiday.calendar, holiday.date, holiday.name
    _ensure_holiday_month_open(calendar, day)
    holiday.delete()
    _recalculate_after_holiday_change(calendar=calendar, day=day, actor=actor, reason=HOLIDAY_REMOVED % {"name": name})


def _imported_holidays_remove_stale(*, calendar, year: int, keep: set, actor) -> tuple[list[str], list[str]]:
    """Remove `calendar`'s imported holidays of `year` not in `keep`: the days removed, and
    the days left because their month is closed (as an import skips adding them)."""
    removed, closed = [], []
    stale = Holiday.objects.filter(calendar=calendar, date__year=year, imported=True).exclude(date__in=keep)
    for holiday in stale.order_by("date"):
        if first_closed_month_for_any(selectors.users_on_calendar(calendar.pk), holiday.date, holiday.date):
            closed.append(holiday.date.isoformat())
            continue
        day, name = holiday.date, holiday.name
        holiday.delete()
        _recalculate_after_holiday_change(
            calendar=calendar, day=day, actor=actor, reason=HOLIDAY_REMOVED % {"name": name}
        )
        removed.append(day.isoformat())
    return removed, closed


@transaction.atomic
def _importable_categories(calendar: HolidayCalendar) -> list[str]:
    """The calendar's categories, once the package knows its country, subdivision and each
    of them (else the `DomainValidationError` naming the field)."""
    supported = holidays_package.list_supported_countries()
    if calendar.country.upper() not in supported:
        raise DomainValidationError(
            _("No holidays known for country '%(country)s'.") % {"country": calendar.country}, field="country"
        )
    subdivisions = supported[calendar.country.upper()]
    if calendar.subdivision and calendar.subdivision not in subdivisions:
        raise DomainValidationError(
            _("'%(subdivision)s' is not a subdivision of %(country)s (e.g. %(examples)s).")
            % {
                "subdivision": calendar.subdivision,
                "country": calendar.country,
                "examples": ", ".join(subdivisions[:5]),
            },
            field="subdivision",
        )
    categories = calendar.categories or [holidays_package.PUBLIC]
    known = holiday_categories_of(calendar.country.upper()) or ()
    unknown = [category for category in categories if category not in known]
    if unknown:
        raise DomainValidationError(
            _("The holidays package has no category %(unknown)s for %(country)s; it knows %(known)s.")
            % {"unknown": ", ".join(map(str, unknown)), "country": calendar.country, "known": ", ".join(known)},
            field="categories",
        )
    return categories


def holidays_import(*, calendar: HolidayCalendar, year: int, actor: User | None = None) -> list[Holiday]:
    """Add the holidays of `year` for the calendar's country (and subdivision) and its
    categories (public by default; e.g. "catholic" for Bavaria's Assumption Day) from the
    `holidays` package; days already in the calendar are left as they are, and so are
    days in a month closed for payroll for someone on the calendar (the audit event lists
    them as `skipped_closed_months`: reopen the month and import again to add them).
    Imported holidays of `year` the package no longer gives for these categories (a
    category was dropped) are removed, and the leave over them re-counted; company days
    (not imported) stay."""
    if actor is not None:
        ensure_admin(actor, denied=_("Only admins can import holidays."))
    if not 1900 <= year <= 2200:
        raise DomainValidationError(_("Give a year between 1900 and 2200."), field="year")
    categories = _importable_categories(calendar)
    try:
        public = holidays_package.country_holidays(
            calendar.country, subdiv=calendar.subdivision or None, years=year, categories=tuple(categories)
        )
    except NotImplementedError as error:
        raise DomainValidationError(
            _("No holidays known for country '%(country)s'.") % {"country": calendar.country}, field="country"
        ) from error
    except ValueError as error:
        raise DomainValidationError(str(error), field="subdivision") from error
    removed, kept_closed = _imported_holidays_remove_stale(calendar=calendar, year=year, keep=set(public), actor=actor)
    existing = set(Holiday.objects.filter(calendar=calendar, date__year=year).values_list("date", flat=True))
    created, skipped = [], kept_closed
    for day, name in sorted(public.items()):
        if day in existing:
            continue
        if first_closed_month_for_any(selectors.users_on_calendar(calendar.pk), day, day) is not None:
            skipped.append(day.isoformat())  # a closed month keeps its figures; reported below
            continue
        created.append(_holiday_add(calendar=calendar, day=day, name=name, half_day=False, actor=actor, imported=True))
    data = {"year": year, "created": len(created), "removed": removed}
    if skipped:
        data["skipped_closed_months"] = skipped
    audit_event_record(action="holidays_imported", actor=actor, target=calendar, data=data)
    return created
