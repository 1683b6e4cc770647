"""The team page's month grid: a row per person, a cell per day, with their leave (its
type's short label, or "Absent" for a type hidden from the reader; ½ for half days), their
holidays and their days off, each day under the contract version in force that day (its
work days, its holiday calendar; outside the employment every day is off)."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.holiday_names import holiday_name
from leave import selectors
from leave.models import Holiday, LeaveRequest
from users.models import User
from users.schedules import schedules_of

Status = LeaveRequest.Status


@dataclass
class Mark:
    """One thing on a calendar cell: a short visible label and what it means in words."""

    label: str
    text: str
    css: str


@dataclass
class CalendarCell:
    day: date
    marks: list[Mark] = field(default_factory=list)
    css: list[str] = field(default_factory=list)

    @property
    def css_class(self) -> str:
        return " ".join(["cal__cell", *self.css])


HOLIDAY_LABEL = "H"


# A mark's text per half day, whole phrases for the translators.
HALF_MARK = {
    "": "%(type)s",
    "morning": gettext_lazy("%(type)s, morning only"),
    "afternoon": gettext_lazy("%(type)s, afternoon only"),
}


def short_labels(leave_types) -> dict[str, str]:
    """A day cell has room for a letter or two: each type shown gets the shortest
    upper-cased start of its code that no other type (nor the holiday's "H") uses."""
    labels: dict[str, str] = {}
    for leave_type in sorted(leave_types, key=lambda leave_type: leave_type.code):
        code = leave_type.code
        taken = {HOLIDAY_LABEL, *labels.values()}
        labels[code] = next(
            (code[:size].upper() for size in range(1, len(code) + 1) if code[:size].upper() not in taken), code.upper()
        )
    return labels


def leave_mark(leave_request: LeaveRequest, halves: frozenset[str], label: str) -> Mark:
    """The request's mark on one day: its type (or "Absent" where the type is hidden from the
    reader, `selectors.shown_type`), the half day, whether it is pending."""
    half = ""
    if len(halves) == 1:
        half = "morning" if "morning" in halves else "afternoon"
    shown = selectors.shown_type(leave_request)
    code = shown.code
    text = HALF_MARK[half] % {"type": shown.name}
    if leave_request.status == Status.PENDING:
        text = _("%(mark)s, pending") % {"mark": text}
    css = f"cal__mark cal__mark--leave cal__mark--{code} cal__mark--{leave_request.status}"
    return Mark(label=label + ("½" if half else ""), text=text, css=css + (" cal__mark--half" if half else ""))


def _cell(
    item: selectors.ContractDay, today: date, holiday: Holiday | None, leave: dict[date, list[Mark]]
) -> CalendarCell:
    """One person's day: a day off, a whole holiday, or their leave with a half-day holiday."""
    day = item.day
    cell = CalendarCell(day=day)
    if day == today:
        cell.css.append("is-today")
    if item.terms is None or day.isoweekday() not in item.terms.work_days:
        cell.css.append("cal__cell--off")
        off = _("weekend") if day.isoweekday() > 5 else _("day off") if item.terms is not None else _("not employed")
        cell.marks.append(Mark(label="", text=off, css=""))
        return cell
    if holiday is not None and not holiday.half_day:
        cell.css.append("cal__cell--holiday")
        cell.marks.append(
            Mark(
                label=HOLIDAY_LABEL,
                text=_("Holiday: %(name)s") % {"name": holiday_name(holiday)},
                css="cal__mark cal__mark--holiday",
            )
        )
        return cell
    marks = leave.get(day, [])
    if marks:
        cell.css.append("cal__cell--leave")
        cell.marks.extend(marks)
    if holiday is not None:
        cell.css.append("cal__cell--holiday")
        cell.marks.append(
            Mark(
                label=f"{HOLIDAY_LABEL}½",
                text=_("Half-day holiday: %(name)s") % {"name": holiday_name(holiday)},
                css="cal__mark cal__mark--holiday",
            )
        )
    return cell


def team_calendar(
    people: list[User],
    absences: list[LeaveRequest],
    holidays: dict[date, Holiday],
    labels: dict[str, str],
    *,
    first: date,
    last: date,
    today: date,
) -> dict:
    """A row per person and a cell per day: their leave (pending or approved, its type's
    short label, ½ for half days), their own holidays and days off under the version in
    force each day (one query for everyone's versions, one for their calendars' holidays).
    `holidays` are the reader's, listed under the grid."""
    days = list(selectors.daterange(first, last))
    schedules = schedules_of(people)
    contract = {person.pk: selectors.contract_days(person, schedules[person.pk], first, last) for person in people}
    calendars = {item.calendar_id for per_person in contract.values() for item in per_person}
    by_calendar = selectors.holidays_by_calendar(calendars, first, last)
    leave_by_person: dict[int, dict[date, list[Mark]]] = {}
    for absence in absences:
        person_days = leave_by_person.setdefault(absence.user_id, {})
        for day in selectors.daterange(max(absence.start_date, first), min(absence.end_date, last)):
            halves = selectors.requested_halves(
                day, absence.start_date, absence.end_date, absence.start_half, absence.end_half
            )
            label = labels[selectors.shown_type(absence).code]
            person_days.setdefault(day, []).append(leave_mark(absence, halves, label))
    rows = [
        {
            "person": person,
            "cells": [
                _cell(item, today, by_calendar[item.calendar_id].get(item.day), leave_by_person.get(person.pk, {}))
                for item in contract[person.pk]
            ],
        }
        for person in people
    ]
    return {
        "days": [
            {"date": day, "is_weekend": day.isoweekday() > 5, "is_today": day == today, "holiday": holidays.get(day)}
            for day in days
        ],
        "rows": rows,
        "holidays": [holidays[day] for day in sorted(holidays)],
    }
