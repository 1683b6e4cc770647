"""The approvals inbox: every pending decision of the people an actor may decide for
(`users.permissions.ensure_can_decide_for`: the members of the teams they manage, everyone
for admins, never themselves), whatever the week, oldest first, with what the decision
needs inline. Read in a fixed number of queries whatever the number of items (one more
per distinct leave year asked for, for the balances)."""

from collections import defaultdict
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet, Sum

from compliance.models import Violation
from core.periods import hours
from leave.models import LeaveRequest
from leave.selectors import leave_balances_of
from timeentries.models import TimeEntry, Timesheet
from users.models import User
from users.selectors import users_visible_to


def people_decidable_by(actor: User) -> QuerySet[User]:
    """Whose timesheets and leave `actor` may approve: nobody for employees."""
    if not actor.is_active or not (actor.is_admin or actor.is_manager):
        return User.objects.none()
    return users_visible_to(actor).exclude(pk=actor.pk)


def pending_timesheets_for(actor: User) -> QuerySet[Timesheet]:
    people = people_decidable_by(actor).values("pk")
    return Timesheet.objects.filter(status=Timesheet.Status.SUBMITTED, user_id__in=people)


def pending_leave_for(actor: User) -> QuerySet[LeaveRequest]:
    people = people_decidable_by(actor).values("pk")
    return LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING, user_id__in=people)


def pending_count(actor: User) -> int:
    """The header badge: submitted weeks and pending leave in one query."""
    if not (actor.is_admin or actor.is_manager):
        return 0
    weeks = pending_timesheets_for(actor).order_by().values("pk")
    leave = pending_leave_for(actor).order_by().values("pk")
    return weeks.union(leave, all=True).count()


def _person(user: User) -> dict:
    return {"id": user.pk, "name": str(user), "email": user.email}


def _week_hours(timesheets: list[Timesheet]) -> tuple[dict, dict]:
    """Per (user, week start): hours per day and per project, from one query."""
    by_day, by_project = defaultdict(dict), defaultdict(dict)
    if not timesheets:
        return by_day, by_project
    weeks = reduce(
        or_, (Q(user_id=t.user_id, day__range=(t.week_start, t.week_start + timedelta(days=6))) for t in timesheets)
    )
    sums = (
        TimeEntry.objects.filter(weeks, duration__isnull=False)
        .order_by()
        .values("user_id", "day", "project_id", "project__code", "project__name")
        .annotate(total=Sum("duration"))
    )
    for row in sums:
        key = (row["user_id"], row["day"] - timedelta(days=row["day"].weekday()))
        by_day[key][row["day"]] = by_day[key].get(row["day"], timedelta(0)) + row["total"]
        project = (row["project_id"], row["project__code"], row["project__name"])
        by_project[key][project] = by_project[key].get(project, timedelta(0)) + row["total"]
    return by_day, by_project


def _open_warnings(timesheets: list[Timesheet]) -> dict:
    """Open compliance violations meeting each week, from one query."""
    found = defaultdict(list)
    if not timesheets:
        return found
    weeks = reduce(
        or_,
        (
            Q(user_id=t.user_id, period_start__lte=t.week_start + timedelta(days=6), period_end__gte=t.week_start)
            for t in timesheets
        ),
    )
    for violation in Violation.objects.filter(weeks, status=Violation.Status.OPEN).order_by("period_start", "pk"):
        for timesheet in timesheets:
            last = timesheet.week_start + timedelta(days=6)
            meets = violation.period_start <= last and violation.period_end >= timesheet.week_start
            if timesheet.user_id == violation.user_id and meets:
                found[timesheet.pk].append(
                    {
                        "id": violation.pk,
                        "rule": violation.rule,
                        "message": violation.message,
                        "message_localized": violation.message_text,
                        "period_start": violation.period_start,
                        "period_end": violation.period_end,
                    }
                )
    return found


def _timesheet_items(timesheets: list[Timesheet]) -> list[dict]:
    by_day, by_project = _week_hours(timesheets)
    warnings = _open_warnings(timesheets)
    items = []
    for timesheet in timesheets:
        key = (timesheet.user_id, timesheet.week_start)
        days = [timesheet.week_start + timedelta(days=n) for n in range(7)]
        per_day = by_day.get(key, {})
        per_project = by_project.get(key, {})
        items.append(
            {
                "kind": "timesheet",
                "id": timesheet.pk,
                "user": _person(timesheet.user),
                "submitted_at": timesheet.submitted_at or timesheet.created_at,
                "created_at": timesheet.created_at,
                "week": timesheet.week,
                "week_start": timesheet.week_start,
                "submit_comment": timesheet.submit_comment,
                "total_hours": hours(sum(per_day.values(), timedelta(0))),
                "hours_by_day": [{"date": day, "hours": hours(per_day.get(day, timedelta(0)))} for day in days],
                "hours_by_project": [
                    {"project": pk, "code": code, "name": name, "hours": hours(total)}
                    for (pk, code, name), total in sorted(per_project.items(), key=lambda kv: kv[0][1])
                ],
                "warnings": warnings.get(timesheet.pk, []),
            }
        )
    return items


def _balances_after(requests: list[LeaveRequest]) -> dict[int, object]:
    """What the request's type leaves of its start year once it is approved: the year-end
    balance after approved leave, less this request (other pending requests not counted);
    None for types that keep no balance. One `leave_balances_of` per distinct year."""
    result = {}
    by_year = defaultdict(list)
    for request in requests:
        by_year[request.start_date.year].append(request)
    for year, of_year in by_year.items():
        balances = leave_balances_of({r.user for r in of_year}, date(year, 12, 31))
        for request in of_year:
            row = next((b for b in balances[request.user_id] if b["type"] == request.leave_type_id), None)
            result[request.pk] = None if row is None else row["left"] + row["pending"] - request.amount
    return result


def _team_away(requests: list[LeaveRequest]) -> dict[int, list[dict]]:
    """Approved or pending leave of the requester's team mates meeting its dates (one query)."""
    found = defaultdict(list)
    teams = {r.user.team_id for r in requests if r.user.team_id}
    if not teams:
        return found
    first, last = min(r.start_date for r in requests), max(r.end_date for r in requests)
    live = [LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED]
    others = list(
        LeaveRequest.objects.filter(user__team_id__in=teams, status__in=live, start_date__lte=last, end_date__gte=first)
        .select_related("user")
        .order_by("start_date", "user__email")
    )
    for request in requests:
        for other in others:
            same_team = other.user.team_id == request.user.team_id and other.user_id != request.user_id
            if same_team and other.start_date <= request.end_date and other.end_date >= request.start_date:
                found[request.pk].append(
                    {
                        "user": _person(other.user),
                        "start_date": other.start_date,
                        "end_date": other.end_date,
                        "status": other.status,
                    }
                )
    return found


def _leave_items(requests: list[LeaveRequest]) -> list[dict]:
    balances = _balances_after(requests)
    away = _team_away(requests)
    return [
        {
            "kind": "leave_request",
            "id": request.pk,
            "user": _person(request.user),
            "submitted_at": request.created_at,
            "created_at": request.created_at,
            "start_date": request.start_date,
            "end_date": request.end_date,
            "start_half": request.start_half,
            "end_half": request.end_half,
            "leave_type": {"code": request.leave_type.code, "name": request.leave_type.name},
            "unit": request.leave_type.unit,
            "working_days": request.working_days,
            "hours": request.hours,
            "reason": request.reason,
            "balance_after_approval": balances.get(request.pk),
            "team_away": away.get(request.pk, []),
        }
        for request in requests
    ]


def approvals_inbox(actor: User) -> list[dict]:
    """Every pending item `actor` may decide, oldest first (submission time, then kind and id)."""
    timesheets = list(pending_timesheets_for(actor).select_related("user"))
    requests = list(pending_leave_for(actor).select_related("user", "leave_type"))
    items = _timesheet_items(timesheets) + _leave_items(requests)
    return sorted(items, key=lambda item: (item["submitted_at"], item["kind"], item["id"]))
