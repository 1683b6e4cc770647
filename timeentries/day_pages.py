"""The day view: a person's own local day with its blocks of work (start, end, break) and
hours without times, forms to add, change and delete them, the quick fills ("same as
yesterday", "standard day") and the running timer's live counter.

Every write goes through `timeentries.services`; a refusal is shown next to the field it
names, and the compliance findings a write returns are shown next to the day afterwards
(kept in the session across the redirect). Without JavaScript everything works by plain
form posts.
"""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import periods
from core.dates import date_in_range
from core.errors import DomainError
from core.pages import format_hours, local_timezone
from timeentries import grid, services
from timeentries.day_forms import BlockForm, HoursEntryForm, StandardDayForm
from timeentries.forms import work_key
from timeentries.models import LockPeriod, TimeEntry, Timesheet
from timeentries.services import days as day_services
from users.closings import closed_months_of

SESSION_WARNINGS = "day_warnings"
# Where a service's field lands on each form.
BLOCK_FIELDS = {"project": "work", "task": "work", "duration": "end", "hours": "end"}
HOURS_FIELDS = {"project": "work", "task": "work", "duration": "hours", "end": "hours"}


class DayConverter:
    """`2026-11-10` in a URL: a real date in the accepted range, else the URL does not match."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        day = date.fromisoformat(value)  # ValueError: no match, 404
        if not date_in_range(day):
            raise ValueError(value)
        return day

    def to_url(self, value: date | str) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


def day_url(day: date) -> str:
    return reverse("timesheet-day", kwargs={"day": day})


# --- reading the day --------------------------------------------------------------------------


def _entries_of_day(user, day: date) -> list[TimeEntry]:
    """The person's entries of the local day: clocked ones by start, then hours without times."""
    entries = TimeEntry.objects.filter(user=user, day=day).select_related("project", "task")
    clocked = sorted((entry for entry in entries if entry.is_clocked), key=lambda entry: entry.start)
    return clocked + [entry for entry in entries if not entry.is_clocked]


def _entry_row(entry: TimeEntry, day: date, tz) -> dict:
    row = {
        "entry": entry,
        "work": f"{entry.project.code} {entry.project.name}" + (f", {entry.task.name}" if entry.task else ""),
        "hours": format_hours(entry.duration) if entry.duration is not None else "",
        "break": entry.break_minutes,
        "running": entry.is_running,
    }
    if entry.is_clocked:
        start = entry.start.astimezone(tz)
        row["start"] = f"{start:%H:%M}"
        if entry.end is not None:
            end = entry.end.astimezone(tz)
            # A later day is named as the reader's language names it: (Wed), (Mi).
            row["end"] = f"{end:%H:%M}" + (f" ({dateformat.format(end, 'D')})" if end.date() != day else "")
    return row


def _day_editable(user, day: date) -> bool:
    timesheet = Timesheet.objects.filter(user=user, week_start=periods.week_start_of(day)).first()
    return services.day_is_editable(
        user=user,
        day=day,
        timesheet=timesheet,
        lock_date=LockPeriod.current_lock_date(),
        closed_months=closed_months_of(user, day, day),
    )


def _warnings_keep(request, day: date, entries) -> None:
    """Keep the findings the write returned for the day page the browser goes to next."""
    found = [warning for entry in entries for warning in getattr(entry, "compliance_warnings", None) or []]
    unique = {warning.get("message", ""): warning for warning in found if warning.get("message")}
    if unique:
        stored = dict(request.session.get(SESSION_WARNINGS, {}))
        stored[day.isoformat()] = [
            {
                "message": warning["message"],
                "rule": str(warning.get("rule", "")).replace("_", " "),
                "severity": warning.get("severity", ""),
            }
            for warning in unique.values()
        ]
        request.session[SESSION_WARNINGS] = stored


def _warnings_pop(request, day: date) -> list[dict]:
    stored = dict(request.session.get(SESSION_WARNINGS, {}))
    found = stored.pop(day.isoformat(), [])
    if found:
        request.session[SESSION_WARNINGS] = stored
    return found


def _forms(user, day: date, *, bound: dict | None = None) -> dict:
    projects, tasks = grid.loggable(user)
    bound = bound or {}
    work = {"projects": projects, "tasks": tasks}
    return {
        "block_form": bound.get("block") or BlockForm(**work, day=day, tz=user.tzinfo),
        "hours_form": bound.get("hours") or HoursEntryForm(**work),
        "standard_form": bound.get("standard") or StandardDayForm(**work),
    }


def _focus(forms: dict, bound: dict) -> None:
    """Focus the first field with an error in the form that was sent, else the first field of
    the block form (or of the form being edited), so typing can start at once."""
    form = next(iter(bound.values()), None) or forms["block_form"]
    name = next((name for name in form.errors if name in form.fields), next(iter(form.fields)))
    form.fields[name].widget.attrs["autofocus"] = True


def _day_context(request, day: date, *, bound: dict | None = None, editing: TimeEntry | None = None, error=""):
    user = request.user
    tz = user.tzinfo
    entries = _entries_of_day(user, day)
    worked = sum((entry.duration for entry in entries if entry.duration is not None), timedelta())
    running = services.running_entry_of(user)
    today = user.local_today()
    forms = _forms(user, day, bound=bound)
    _focus(forms, bound or {})
    editable = _day_editable(user, day)
    if not editable and not error:
        # The forms are not shown on a locked day: say why what was sent was refused.
        error = " ".join(
            message for form in (bound or {}).values() for errors in form.errors.values() for message in errors
        )
    return {
        **forms,
        "nav": "timesheet",
        "day": day,
        "day_label": day_services.day_label(day),
        "tz_name": tz.key,
        "rows": [_entry_row(entry, day, tz) for entry in entries],
        "total": format_hours(worked),
        "editable": editable,
        "month_closed": not editable and bool(closed_months_of(user, day, day)),
        "is_future": day > today,
        "prev": day - timedelta(days=1),
        "next": day + timedelta(days=1) if day < today else None,
        "week_label": periods.iso_week_label(periods.week_start_of(day)),
        "warnings": _warnings_pop(request, day),
        "running": running,
        "editing": editing,
        "page_error": error,
        "standard_hours": format_hours(day_services.standard_day_hours(user)),
    }


def _day_page(request, day: date, *, status: int = 200, **context):
    return render(request, "timesheet/day.html", _day_context(request, day, **context), status=status)


def _own_entry(request, entry_id: int, day: date) -> TimeEntry:
    """The signed-in person's entry of that day; anyone else's is not found."""
    return get_object_or_404(
        TimeEntry.objects.select_related("project", "task", "user"), pk=entry_id, user=request.user, day=day
    )


def _added(entry: TimeEntry, project) -> str:
    return gettext("Added %(hours)s h on %(code)s.") % {"hours": format_hours(entry.duration), "code": project.code}


def _done(request, day: date, entries, message: str):
    _warnings_keep(request, day, entries)
    messages.success(request, message)
    return redirect(f"{day_url(day)}#day-entries")


# --- pages ------------------------------------------------------------------------------------


@login_required
@require_GET
@local_timezone
def day_page(request, day: date):
    return _day_page(request, day)


@login_required
@require_POST
@local_timezone
def block_add(request, day: date):
    """Log a block of work with start, end and break."""
    projects, tasks = grid.loggable(request.user)
    form = BlockForm(request.POST, projects=projects, tasks=tasks, day=day, tz=request.user.tzinfo)
    if not form.is_valid():
        return _day_page(request, day, status=400, bound={"block": form})
    project, task = form.cleaned_data["work"]
    try:
        entry = services.time_entry_create(
            actor=request.user,
            project=project,
            task=task,
            start=form.cleaned_data["start_at"],
            end=form.cleaned_data["end_at"],
            break_minutes=form.cleaned_data["break_minutes"],
            description=form.cleaned_data["description"],
            billable=form.cleaned_data["billable"],
        )
    except DomainError as error:
        form.add_service_error(error, BLOCK_FIELDS)
        return _day_page(request, day, status=error.status_code, bound={"block": form})
    return _done(request, day, [entry], _added(entry, project))


@login_required
@require_POST
@local_timezone
def hours_add(request, day: date):
    """Log hours on the day without start and end."""
    projects, tasks = grid.loggable(request.user)
    form = HoursEntryForm(request.POST, projects=projects, tasks=tasks)
    if not form.is_valid():
        return _day_page(request, day, status=400, bound={"hours": form})
    project, task = form.cleaned_data["work"]
    try:
        entry = services.time_entry_create(
            actor=request.user,
            project=project,
            task=task,
            day=day,
            duration=form.cleaned_data["hours"],
            description=form.cleaned_data["description"],
            billable=form.cleaned_data["billable"],
        )
    except DomainError as error:
        form.add_service_error(error, HOURS_FIELDS)
        return _day_page(request, day, status=error.status_code, bound={"hours": form})
    return _done(request, day, [entry], _added(entry, project))


def _edit_form(request, entry: TimeEntry, day: date, data=None):
    projects, tasks = grid.loggable(request.user)
    work = {"projects": projects, "tasks": tasks}
    billable = "yes" if entry.billable else "no"
    initial = {"work": work_key(entry.project_id, entry.task_id), "description": entry.description}
    initial["billable"] = billable
    if entry.is_clocked:
        tz = request.user.tzinfo
        start, end = entry.start.astimezone(tz), entry.end.astimezone(tz)
        initial.update(
            start=f"{start:%H:%M}",
            end=f"{end:%H:%M}",
            ends_next_day=end.date() > day,
            break_minutes=entry.break_minutes,
        )
        return BlockForm(data, **work, day=day, tz=tz, initial=initial), "block"
    initial["hours"] = format_hours(entry.duration)
    return HoursEntryForm(data, **work, initial=initial), "hours"


@login_required
@require_http_methods(["GET", "POST"])
@local_timezone
def entry_edit(request, day: date, entry_id: int):
    """Change one entry: its block (clocked) or its hours (without times)."""
    entry = _own_entry(request, entry_id, day)
    if entry.is_running:
        raise Http404(gettext("A running timer is changed by stopping it."))
    form, kind = _edit_form(request, entry, day, request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        status = 200 if request.method == "GET" else 400
        return _day_page(request, day, status=status, bound={kind: form}, editing=entry)
    project, task = form.cleaned_data["work"]
    fields = {"project": project, "task": task, "description": form.cleaned_data["description"]}
    fields["billable"] = form.cleaned_data["billable"]
    if kind == "block":
        fields.update(
            start=form.cleaned_data["start_at"],
            end=form.cleaned_data["end_at"],
            break_minutes=form.cleaned_data["break_minutes"],
        )
    else:
        fields["duration"] = form.cleaned_data["hours"]
    try:
        entry = services.time_entry_update(entry=entry, actor=request.user, **fields)
    except DomainError as error:
        form.add_service_error(error, BLOCK_FIELDS if kind == "block" else HOURS_FIELDS)
        return _day_page(request, day, status=error.status_code, bound={kind: form}, editing=entry)
    return _done(request, entry.day, [entry], gettext("Changed the entry on %(code)s.") % {"code": project.code})


@login_required
@require_POST
@local_timezone
def entry_delete(request, day: date, entry_id: int):
    entry = _own_entry(request, entry_id, day)
    try:
        services.time_entry_delete(entry=entry, actor=request.user)
    except DomainError as error:
        return _day_page(request, day, status=error.status_code, error=error.detail)
    messages.success(request, gettext("Deleted the entry on %(code)s.") % {"code": entry.project.code})
    return redirect(f"{day_url(day)}#day-entries")


@login_required
@require_POST
@local_timezone
def copy_yesterday(request, day: date):
    """Same as yesterday: yesterday's blocks at the same times, its hours as hours."""
    yesterday = day - timedelta(days=1)
    try:
        created = day_services.time_entries_copy_day(actor=request.user, source=yesterday, target=day)
    except DomainError as error:
        return _day_page(request, day, status=error.status_code, error=error.detail)
    count = len(created)
    return _done(
        request,
        day,
        created,
        ngettext("Copied %(count)d entry from yesterday.", "Copied %(count)d entries from yesterday.", count)
        % {"count": count},
    )


@login_required
@require_POST
@local_timezone
def standard_day(request, day: date):
    """The person's standard day on the project they pick."""
    projects, tasks = grid.loggable(request.user)
    form = StandardDayForm(request.POST, projects=projects, tasks=tasks)
    if not form.is_valid():
        return _day_page(request, day, status=400, bound={"standard": form})
    project, task = form.cleaned_data["work"]
    try:
        entry = day_services.time_entry_standard_day(actor=request.user, day=day, project=project, task=task)
    except DomainError as error:
        form.add_service_error(error, {"project": "work", "task": "work", "duration": "work", "end": "work"})
        return _day_page(request, day, status=error.status_code, bound={"standard": form})
    return _done(request, day, [entry], gettext("Logged your standard day on %(code)s.") % {"code": project.code})


@login_required
@require_POST
@local_timezone
def timer_stop(request):
    """Stop the running timer and show its entry in its day."""
    try:
        entry = services.timer_stop(actor=request.user)
    except DomainError as error:
        return _day_page(request, request.user.local_today(), status=error.status_code, error=error.detail)
    return _done(
        request,
        entry.day,
        [entry],
        gettext("Timer stopped after %(hours)s h.") % {"hours": format_hours(entry.duration)},
    )
