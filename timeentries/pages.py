"""Server-rendered timesheet pages: a person's week grid (cells, timer, submission) and the
team view where managers approve.

Every write goes through `timeentries.services`, and every "may this be done" the page
shows (an editable day, the submit button, the decisions offered) is asked of it; a
`DomainError` is shown next to what caused it. The reads behind the grid are in `grid.py`.
"""

from datetime import date, timedelta
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from core import periods
from core.errors import DomainError
from core.forms import DecisionForm
from core.pages import decision_apply, first_error, format_hours, local_timezone
from timeentries import grid, selectors, services
from timeentries.forms import AddRowForm, CellForm, RowForm, SubmitForm, TimerStartForm, work_key
from timeentries.models import LockPeriod, Timesheet
from users.closings import closed_months_of, month_start
from users.models import User
from users.selectors import users_visible_to

DECISIONS = {
    "approve": (services.timesheet_approve, gettext_lazy("%(user)s's week %(week)s is approved.")),
    "reject": (services.timesheet_reject, gettext_lazy("%(user)s's week %(week)s is rejected.")),
    "reopen": (services.timesheet_reopen, gettext_lazy("%(user)s's week %(week)s is reopened.")),
}


def _requested_week(value: str | None, user: User) -> tuple[date, str]:
    """The Monday of `value` ("2026-W45"), else of the user's current week and an error."""
    if value:
        try:
            return periods.parse_iso_week(value), ""
        except ValueError:
            return periods.week_start_of(user.local_today()), gettext("Use an ISO week such as 2026-W45.")
    return periods.week_start_of(user.local_today()), ""


def _week_url(week_start: date, name: str = "timesheet", **kwargs) -> str:
    return f"{reverse(name, kwargs=kwargs or None)}?week={periods.iso_week_label(week_start)}"


def _work_label(project, task) -> str:
    """ "ACME" or "ACME, Design": a row as the messages name it."""
    return f"{project.code}, {task.name}" if task else project.code


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _ensure_manager(user: User) -> None:
    if not (user.is_manager or user.is_admin):
        raise PermissionDenied(gettext("Only managers and admins see their team's timesheets."))


# --- page contexts ---------------------------------------------------------------------------


def _decision_forms(timesheet: Timesheet | None, bound: dict | None = None) -> dict:
    """The approve / reject / reopen forms for what the services accept in this state."""
    bound = bound or {}
    offered = [
        *(("approve", "reject") if services.timesheet_can_decide(timesheet) else ()),
        *(("reopen",) if services.timesheet_can_reopen(timesheet) else ()),
    ]
    return {
        decision: bound.get((timesheet.pk, decision)) or DecisionForm(auto_id=f"ts{timesheet.pk}-{decision}-%s")
        for decision in offered
    }


def _owner_forms(request, *, owner: User, week_start: date, forms: dict) -> tuple[dict, list]:
    """The add-row and timer forms, and the rows added in the session (the owner only)."""
    projects, tasks, extra_rows = [], [], []
    if request.user.pk == owner.pk:
        projects, tasks = grid.loggable(owner)
        extra_rows = grid.resolve_rows(grid.session_rows(request, week_start), projects, tasks)
    return {
        "add_row_form": forms.get("row") or AddRowForm(projects=projects, tasks=tasks),
        "timer_form": forms.get("timer") or TimerStartForm(projects=projects, tasks=tasks),
    }, extra_rows


def _day_columns(
    days: list[date], totals: list[dict], *, today: date, notices: dict, closed_months: set[date]
) -> list[dict]:
    """The grid's day columns: total, today, the day view's address, what the last write
    said, whether the day's month is closed for payroll."""
    return [
        {
            "date": day,
            "total": format_hours(total["hours"]),
            "is_today": day == today,
            "url": grid.day_url(day),
            "notices": notices.get(day, []),
            "closed": month_start(day) in closed_months,
        }
        for day, total in zip(days, totals, strict=True)
    ]


def _editable_days(is_owner: bool, owner: User, week_start: date, timesheet, lock_date, closed_months) -> set:
    """The days whose cells the reader may write: the owner's open days, none for others."""
    if not is_owner:
        return set()
    return grid.editable_days(
        owner=owner, week_start=week_start, timesheet=timesheet, lock_date=lock_date, closed_months=closed_months
    )


def _week_context(
    request, *, owner: User, week_start: date, cell_errors=None, errors=None, forms=None, week_error="", notices=None
):
    """Everything the week page and its grid fragment show, in a fixed number of queries.
    `notices` maps a day to what the last write said about it (warnings, a refusal)."""
    is_owner = request.user.pk == owner.pk
    notices = notices or {}
    errors, forms = dict(errors or {}), forms or {}
    today, days = owner.local_today(), grid.week_days(week_start)
    entries = list(selectors.entries_of_week(owner, week_start))
    totals = selectors.week_totals(owner, week_start, entries=entries)
    timesheet = Timesheet.objects.filter(user=owner, week_start=week_start).select_related("decided_by").first()
    lock_date = LockPeriod.current_lock_date()
    closed_months = closed_months_of(owner, days[0], days[-1])
    editable = _editable_days(is_owner, owner, week_start, timesheet, lock_date, closed_months)
    owner_forms, extra_rows = _owner_forms(request, owner=owner, week_start=week_start, forms=forms)
    rows, unplaced = grid.grid_rows(
        owner=owner,
        week_start=week_start,
        entries=entries,
        extra_rows=extra_rows,
        editable=editable,
        errors=cell_errors or {},
        settings=grid.session_row_settings(request, week_start) if is_owner else {},
    )
    if unplaced:
        errors["grid"] = " ".join(unplaced)
    week = grid.week_nav(week_start, today)
    running = services.running_entry_of(owner) if is_owner else None
    week_locked = timesheet is not None and timesheet.is_locked
    return {
        **owner_forms,
        "nav": "timesheet" if is_owner else "team",
        "owner": owner,
        "is_owner": is_owner,
        "tz_name": owner.tzinfo.key,
        "week": week,
        "week_error": week_error,
        "today": today,
        "days": _day_columns(days, totals["days"], today=today, notices=notices, closed_months=closed_months),
        "closed_months": sorted(closed_months),
        "rows": rows,
        "total": format_hours(totals["total_hours"]),
        "timesheet": timesheet,
        "status": grid.status_of(timesheet),
        "status_label": grid.status_label(timesheet),
        "lock_date": lock_date if lock_date and days[0] < lock_date else None,
        "can_edit": bool(editable),
        "can_submit": services.timesheet_can_submit(
            timesheet=timesheet, actor=request.user, lock_date=lock_date, closed_months=closed_months
        ),
        "week_path": reverse("timesheet") if is_owner else reverse("timesheet-member", kwargs={"user_id": owner.pk}),
        "show_timer_start": is_owner and week["is_current"] and not week_locked and running is None,
        "running": running,
        "decision_forms": {} if is_owner else _decision_forms(timesheet, forms.get("decisions")),
        "submit_form": forms.get("submit"),
        "errors": errors,
    }


def _week_page(request, *, week_start: date, status: int = 200, **context_args):
    context = _week_context(request, owner=request.user, week_start=week_start, **context_args)
    return render(request, "timesheet/week.html", context, status=status)


def _team_context(request, *, week_start: date, forms: dict | None = None) -> dict:
    """Each visible member's hours and timesheet for the week, in a fixed number of queries."""
    rows = [
        {
            "member": member,
            "hours": format_hours(totals["total_hours"]),
            "timesheet": timesheet,
            "status": grid.status_of(timesheet),
            "status_label": grid.status_label(timesheet),
            "decision_forms": _decision_forms(timesheet, forms),
        }
        for member, timesheet, totals in grid.team_weeks(request.user, week_start)
    ]
    return {
        "nav": "team",
        "rows": rows,
        "week_path": reverse("timesheet-team"),
        "waiting": sum(1 for row in rows if row["status"] == Timesheet.Status.SUBMITTED),
        "week": grid.week_nav(week_start, request.user.local_today()),
    }


# --- the person's own week ---------------------------------------------------------------------


@login_required
@require_GET
@local_timezone
def week_page(request):
    week_start, week_error = _requested_week(request.GET.get("week"), request.user)
    return _week_page(request, week_start=week_start, week_error=week_error, status=400 if week_error else 200)


@login_required
@require_POST
@local_timezone
def cell_save(request):
    """Set one cell's hours (and note). htmx gets the cell back (200, its error inside) with
    the totals, the status and what the write said about the day (compliance warnings, a
    refusal) swapped out of band, so what is being typed in other cells is never replaced;
    without JavaScript the browser goes back to the week, showing any error."""
    form = CellForm(request.POST)
    valid = form.is_valid()
    project, task, day = (form.cleaned_data.get(name) for name in ("project", "task", "day"))
    week_start = periods.week_start_of(day) if day else _requested_week(request.POST.get("week"), request.user)[0]
    message, status, warnings = "", 200, []
    if valid:
        key = work_key(project.pk, task.pk if task else None)
        row_settings = grid.session_row_settings(request, week_start).get(key, {})
        try:
            entry = services.time_entry_day_hours_set(
                actor=request.user,
                project=project,
                task=task,
                day=day,
                hours=form.cleaned_data["hours"],
                description=form.cleaned_data["note"] if "note" in request.POST else None,
                billable=row_settings.get("billable"),
            )
        except DomainError as error:
            message, status = error.detail, error.status_code
        else:
            warnings = [warning["message"] for warning in getattr(entry, "compliance_warnings", None) or []]
    else:
        message, status = first_error(form), 400
    if project is not None:  # the row stays on the grid even when its last entry is cleared
        grid.session_rows_add(request, week_start, [(project.pk, task.pk if task else None)])

    cell_errors, errors = {}, {}
    if message and project is not None and day is not None:
        cell_errors[(project.pk, task.pk if task else None, day)] = (message, request.POST.get("hours", "")[:12])
    elif message:
        errors["grid"] = message
    notices = {day: [message] if message else warnings} if day else {}
    if _is_htmx(request):
        return _cell_fragment(
            request,
            week_start=week_start,
            project=project,
            task=task,
            day=day,
            cell_errors=cell_errors,
            errors=errors,
            notices=notices,
        )
    if not message:
        for warning in warnings:
            messages.warning(request, f"{dateformat.format(day, 'D j M')}: {warning}")
        return redirect(f"{_week_url(week_start)}#grid")
    return _week_page(
        request, week_start=week_start, status=status, cell_errors=cell_errors, errors=errors, notices=notices
    )


def _cell_fragment(request, *, week_start: date, project, task, day, cell_errors: dict, errors: dict, notices: dict):
    context = _week_context(
        request, owner=request.user, week_start=week_start, cell_errors=cell_errors, errors=errors, notices=notices
    )
    key = (project.pk if project else None, task.pk if task else None)
    row = next((row for row in context["rows"] if (row.project.pk, row.task.pk if row.task else None) == key), None)
    if row is None or day is None or not 0 <= (day - week_start).days < 7:
        # No such cell on the grid (a forged or stale post): show the whole grid instead.
        response = render(request, "timesheet/_grid.html", context)
        response["HX-Retarget"], response["HX-Reswap"] = "#grid", "outerHTML"
        return response
    index = (day - week_start).days
    context.update(row=row, cell=row.cells[index], day=context["days"][index])
    return render(request, "timesheet/_cell_response.html", context)


@login_required
@require_POST
@local_timezone
def row_save(request):
    """A row's description and billable: applied to its duration entries of the week
    (`time_entries_row_set`) and kept for the cells typed later."""
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    form = RowForm(request.POST)
    if not form.is_valid():
        return _week_page(request, week_start=week_start, status=400, errors={"grid": first_error(form)})
    project, task = form.cleaned_data["project"], form.cleaned_data["task"]
    description, billable = form.cleaned_data["description"], form.cleaned_data["billable"]
    try:
        services.time_entries_row_set(
            actor=request.user,
            project=project,
            task=task,
            week_start=week_start,
            description=description,
            billable=billable,
        )
    except DomainError as error:
        return _week_page(request, week_start=week_start, status=error.status_code, errors={"grid": error.detail})
    key = work_key(project.pk, task.pk if task else None)
    grid.session_row_settings_save(request, week_start, key, description=description, billable=billable)
    grid.session_rows_add(request, week_start, [(project.pk, task.pk if task else None)])
    messages.success(request, gettext("Saved the row %(work)s.") % {"work": _work_label(project, task)})
    return redirect(f"{_week_url(week_start)}#grid")


@login_required
@require_POST
@local_timezone
def row_add(request):
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    projects, tasks = grid.loggable(request.user)
    form = AddRowForm(request.POST, projects=projects, tasks=tasks)
    if not form.is_valid():
        return _week_page(request, week_start=week_start, status=400, forms={"row": form})
    project, task = form.cleaned_data["work"]
    grid.session_rows_add(request, week_start, [(project.pk, task.pk if task else None)])
    return redirect(f"{_week_url(week_start)}#grid")


@login_required
@require_POST
def row_remove(request):
    """Forget an added row; rows with time on them stay, since they come from the entries."""
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    key = request.POST.get("work", "")
    grid.session_rows_save(
        request, week_start, [row for row in grid.session_rows(request, week_start) if work_key(*row) != key]
    )
    return redirect(f"{_week_url(week_start)}#grid")


@login_required
@require_POST
@local_timezone
def rows_copy(request):
    """Add last week's project/task rows, with empty cells, to this week."""
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    previous = week_start - timedelta(days=7)
    used = selectors.entries_of_week(request.user, previous).order_by().values_list("project_id", "task_id").distinct()
    pairs = dict.fromkeys([*used, *grid.session_rows(request, previous)])
    resolved = grid.resolve_rows(pairs, *grid.loggable(request.user))
    if not resolved:
        return _week_page(
            request,
            week_start=week_start,
            status=400,
            errors={"rows": gettext("Week %(week)s has no rows to copy.") % {"week": periods.iso_week_label(previous)}},
        )
    added = grid.session_rows_add(request, week_start, [(p.pk, t.pk if t else None) for p, t in resolved])
    copied = ngettext("Copied %(count)d row from week %(week)s.", "Copied %(count)d rows from week %(week)s.", added)
    messages.success(request, copied % {"count": added, "week": periods.iso_week_label(previous)})
    return redirect(f"{_week_url(week_start)}#grid")


@login_required
@require_POST
@local_timezone
def timer_start(request):
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    projects, tasks = grid.loggable(request.user)
    form = TimerStartForm(request.POST, projects=projects, tasks=tasks)
    status = 400
    if form.is_valid():
        project, task = form.cleaned_data["work"]
        try:
            services.timer_start(
                actor=request.user, project=project, task=task, description=form.cleaned_data["description"]
            )
        except DomainError as error:
            form.add_error("work" if error.field in ("project", "task") else None, error.detail)
            status = error.status_code
        else:
            messages.success(request, gettext("Timer started on %(work)s.") % {"work": _work_label(project, task)})
            return redirect(_week_url(week_start))
    return _week_page(request, week_start=week_start, status=status, forms={"timer": form})


@login_required
@require_POST
@local_timezone
def timer_stop(request):
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    try:
        entry = services.timer_stop(actor=request.user)
    except DomainError as error:
        return _week_page(request, week_start=week_start, status=error.status_code, errors={"timer": error.detail})
    messages.success(request, gettext("Timer stopped after %(hours)s hours.") % {"hours": format_hours(entry.duration)})
    return redirect(_week_url(week_start))


@login_required
@require_POST
@local_timezone
def week_submit(request):
    """Submit the week. A week far from the expected hours comes back with the service's
    question and a comment box; submitting again with a comment hands it in."""
    week_start, _ = _requested_week(request.POST.get("week"), request.user)
    form = SubmitForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        timesheet = services.timesheet_submit_week(actor=request.user, week_start=week_start, comment=comment)
    except DomainError as error:
        if error.field == "comment":
            form = SubmitForm(initial={"comment": comment})
            form.needs_comment = True
        return _week_page(
            request,
            week_start=week_start,
            status=error.status_code,
            errors={"submit": error.detail},
            forms={"submit": form},
        )
    messages.success(request, gettext("Week %(week)s is submitted for approval.") % {"week": timesheet.week})
    return redirect(_week_url(week_start))


# --- the team --------------------------------------------------------------------------------


@login_required
@require_GET
@local_timezone
def team_page(request):
    _ensure_manager(request.user)
    week_start, week_error = _requested_week(request.GET.get("week"), request.user)
    context = {**_team_context(request, week_start=week_start), "week_error": week_error}
    return render(request, "timesheet/team.html", context, status=400 if week_error else 200)


@login_required
@require_GET
@local_timezone
def member_week_page(request, user_id: int):
    """A team member's week, read-only, with the manager's decision forms."""
    _ensure_manager(request.user)
    member = get_object_or_404(users_visible_to(request.user), pk=user_id)
    week_start, week_error = _requested_week(request.GET.get("week"), request.user)
    context = _week_context(request, owner=member, week_start=week_start, week_error=week_error)
    return render(request, "timesheet/week.html", context, status=400 if week_error else 200)


@login_required
@require_POST
@local_timezone
def timesheet_decide(request, timesheet_id: int, decision: str):
    """Approve, reject or reopen a week, then go back to the team (or the member's week)."""
    _ensure_manager(request.user)
    timesheet = get_object_or_404(selectors.timesheets_visible_to(request.user), pk=timesheet_id)
    decide, done = DECISIONS[decision]
    form = DecisionForm(request.POST, auto_id=f"ts{timesheet.pk}-{decision}-%s")
    status = decision_apply(form, partial(decide, timesheet_id=timesheet.pk, actor=request.user))
    if status is None:
        messages.success(request, done % {"user": timesheet.user, "week": timesheet.week})
        if request.POST.get("back") == "member":
            return redirect(_week_url(timesheet.week_start, "timesheet-member", user_id=timesheet.user_id))
        return redirect(_week_url(timesheet.week_start, "timesheet-team"))
    bound = {(timesheet.pk, decision): form}
    if request.POST.get("back") == "member":
        template = "timesheet/week.html"
        context = _week_context(
            request, owner=timesheet.user, week_start=timesheet.week_start, forms={"decisions": bound}
        )
        shown = [context["decision_forms"]]
    else:
        template = "timesheet/team.html"
        context = _team_context(request, week_start=timesheet.week_start, forms=bound)
        shown = [row["decision_forms"] for row in context["rows"]]
    if not any(form in forms.values() for forms in shown):
        # The form is not on the page (the manager's own week, or the week moved on meanwhile).
        context["page_error"] = " ".join(error for errors in form.errors.values() for error in errors)
    return render(request, template, context, status=status)
