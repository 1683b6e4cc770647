"""Dashboard widget data: one selector per widget kind, each answering the JSON a Chart.js
chart draws (`labels`, `datasets`) plus a one-line text summary for the fallback.

Every widget covers the `range_days` days up to today in the actor's time zone, widened to
whole weeks for the weekly charts (team absences: the days from today on), and sees only
what the report selectors let the actor see.
Answers are cached per user, kind, range and day, under the data versions of the scopes the
user sees; changes to entries, leave, violations and holidays bump them (`analytics.signals`).
The cache only saves work, it never decides an answer: while it is down (`core.cache`)
every widget is computed and version bumps are skipped.
"""

import threading
import time
from collections import Counter, defaultdict
from contextlib import suppress
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from analytics.models import Dashboard, DashboardWidget
from analytics.reports import overtime_report, time_report
from compliance.models import Violation
from compliance.selectors import violations_visible_to
from core import periods
from core.cache import CacheUnavailable, cache_call
from core.errors import DomainValidationError
from core.replicas import reading_replica, replica_reads
from leave.models import LeaveRequest
from leave.selectors import absences
from leave.selectors_account import account_summary, working_time_account
from users.models import User
from users.selectors import teams_managed_by, users_whose_absences_visible_to

Kind = DashboardWidget.Kind
KINDS = tuple(Kind.values)
MIN_RANGE_DAYS, MAX_RANGE_DAYS = 1, 366
CACHE_SECONDS = 300
VERSION_KEY = "dashboard:data-version:{scope}"
MAX_WIDGETS = 12


def validate_widget_request(kind: str, range_days) -> tuple[str, int]:
    """The kind and range as given, or the kind's default range; a 400 naming the field otherwise."""
    if kind not in KINDS:
        raise DomainValidationError(
            _("Unknown widget %(kind)r; use one of: %(kinds)s.") % {"kind": kind, "kinds": ", ".join(KINDS)},
            field="kind",
        )
    if range_days in (None, ""):
        return kind, DashboardWidget.DEFAULT_RANGE_DAYS[kind]
    try:
        days = int(range_days)
    except (TypeError, ValueError):
        days = None
    if days is None or not MIN_RANGE_DAYS <= days <= MAX_RANGE_DAYS:
        raise DomainValidationError(
            _("Use a whole number of days from %(min)s to %(max)s.") % {"min": MIN_RANGE_DAYS, "max": MAX_RANGE_DAYS},
            field="range_days",
        )
    return kind, days


# --- cache ------------------------------------------------------------------------------------


def _version_keys(actor: User) -> list[str]:
    """The scopes whose data an actor's widgets show: everyone's (holidays, teams), their
    own, their team's (team absences), the teams they manage, and the whole company for an
    admin. A change bumps the scopes it touches; see `data_changed`."""
    keys = [VERSION_KEY.format(scope="global"), VERSION_KEY.format(scope=f"user:{actor.pk}")]
    if actor.team_id:
        keys.append(VERSION_KEY.format(scope=f"team:{actor.team_id}"))
    if actor.is_admin:
        keys.append(VERSION_KEY.format(scope="company"))
    elif actor.is_manager:
        keys.extend(
            VERSION_KEY.format(scope=f"team:{team_id}")
            for team_id in teams_managed_by(actor).order_by("pk").values_list("pk", flat=True)
        )
    return keys


def data_version(actor: User) -> str:
    keys = _version_keys(actor)
    versions = cache.get_many(keys)
    for key in keys:
        if key not in versions:
            # A fresh number, never a reused one: widgets cached under an evicted version stay unreachable.
            cache.add(key, time.time_ns(), None)
            versions[key] = cache.get(key, 0)
    return ".".join(str(versions[key]) for key in keys)


def _bump_versions(scopes) -> None:
    for scope in scopes:
        key = VERSION_KEY.format(scope=scope)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, time.time_ns(), None)


# Set when a bump could not reach the cache. The process then moves the "global" version,
# which every widget's key holds, as soon as the cache answers again: a widget cached before
# an outage is never served after a change made during it.
_missed_bump = threading.Event()


def _bump(scopes) -> None:
    """A write never fails for the cache's sake: a bump the cache misses becomes a global one later."""
    if _missed_bump.is_set():
        scopes = ["global", *scopes]
    try:
        cache_call(_bump_versions, scopes)
    except CacheUnavailable:
        _missed_bump.set()
    else:
        _missed_bump.clear()


def data_changed(*, user_id: int | None = None, team_id: int | None = None) -> None:
    """Make stale the widgets that may show a change to `user_id`'s data (their own, their
    team's managers', their team mates' absences, the admins'); with no user, everyone's.
    No query: only cache versions move, now and again after commit (a request that read
    the old rows meanwhile cannot leave them cached under the new version)."""
    scopes = ["global"] if user_id is None else [f"user:{user_id}", "company"]
    if team_id:
        scopes.append(f"team:{team_id}")
    _bump(scopes)
    transaction.on_commit(lambda: _bump(scopes))


def people_data_changed(people: dict[int, int | None]) -> None:
    """`data_changed` for many people at once (`people`: user id -> team id or None): each
    scope their changes touch moves once, now and again after commit."""
    teams = sorted({team_id for team_id in people.values() if team_id})
    scopes = [*(f"user:{user_id}" for user_id in sorted(people)), "company", *(f"team:{team}" for team in teams)]
    _bump(scopes)
    transaction.on_commit(lambda: _bump(scopes))


def widget_data(*, actor: User, kind: str, range_days: int | None = None) -> dict:
    """The chart data of one widget for `actor`, from the cache when it is current (cached per
    language: its title, labels and summary are text in the reader's language)."""
    kind, range_days = validate_widget_request(kind, range_days)
    today = actor.local_today()
    try:
        if _missed_bump.is_set():
            _bump([])
        version = cache_call(data_version, actor)
        key = f"dashboard:widget:{actor.pk}:{version}:{kind}:{range_days}:{today.isoformat()}:{get_language()}"
        data = cache_call(cache.get, key)
    except CacheUnavailable:
        key = data = None
    if data is None:
        with replica_reads(reader=actor):
            data = BUILDERS[kind](actor, today, range_days)
            # Read from a replica, the data may predate the version it is cached under by the
            # replica's lag: it is kept no longer than that lag may be.
            seconds = min(CACHE_SECONDS, settings.REPLICA_MAX_LAG_SECONDS) if reading_replica() else CACHE_SECONDS
        data.update(kind=kind, title=str(Kind(kind).label), range_days=range_days)
        if key is not None:
            with suppress(CacheUnavailable):
                cache_call(cache.set, key, data, seconds)
    return data


# --- builders ---------------------------------------------------------------------------------


def _number(value) -> float:
    return round(float(value), 2)


def _g(value: float, *, sign: bool = False) -> str:
    """A figure for a summary sentence: as short as it goes, with the language's decimal mark."""
    text = f"{value:+g}" if sign else f"{value:g}"
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def _hours_per_week(actor: User, today: date, range_days: int) -> dict:
    date_from = periods.week_start_of(today - timedelta(days=range_days - 1))  # whole weeks only
    weeks = []
    week = date_from
    while week <= today:
        weeks.append(periods.iso_week_label(week))
        week += timedelta(days=7)
    report = time_report(actor=actor, date_from=date_from, date_to=today, group_by=["week", "project"], tz=actor.tzinfo)
    by_project: dict[str, dict[str, float]] = defaultdict(dict)
    for row in report["rows"]:
        by_project[row["project_name"]][row["week"]] = _number(row["hours"])
    datasets = [
        {"label": name, "data": [hours.get(label, 0) for label in weeks]} for name, hours in sorted(by_project.items())
    ]
    total = _number(report["totals"]["hours"])
    return {
        "chart": "bar",
        "stacked": True,
        "unit": "hours",
        "date_from": date_from.isoformat(),
        "date_to": today.isoformat(),
        "labels": weeks,
        "datasets": datasets,
        "summary": _("%(hours)s hours over %(weeks)s weeks on %(projects)s projects.")
        % {"hours": _g(total), "weeks": len(weeks), "projects": len(datasets)},
    }


def _month_by_project(actor: User, today: date, range_days: int) -> dict:
    date_from = today - timedelta(days=range_days - 1)
    report = time_report(actor=actor, date_from=date_from, date_to=today, group_by=["project"], tz=actor.tzinfo)
    labels = [row["project_name"] for row in report["rows"]]
    hours = [_number(row["hours"]) for row in report["rows"]]
    total = _number(report["totals"]["hours"])
    return {
        "chart": "doughnut",
        "stacked": False,
        "unit": "hours",
        "date_from": date_from.isoformat(),
        "date_to": today.isoformat(),
        "labels": labels,
        "datasets": [{"label": _("Hours"), "data": hours}],
        "summary": _("%(hours)s hours on %(projects)s projects.") % {"hours": _g(total), "projects": len(labels)},
    }


def _overtime_trend(actor: User, today: date, range_days: int) -> dict:
    date_from = periods.week_start_of(today - timedelta(days=range_days - 1))  # whole weeks only
    report = overtime_report(actor=actor, date_from=date_from, date_to=today, period="week")
    labels: list[str] = []
    balances: dict[str, dict[str, float]] = defaultdict(dict)
    for row in report["rows"]:
        if row["period"] not in labels:
            labels.append(row["period"])
        balances[row["user_name"]][row["period"]] = _number(row["balance"])
    labels.sort()
    datasets = [
        {"label": name, "data": [balance.get(label, 0) for label in labels]}
        for name, balance in sorted(balances.items())
    ]
    difference = _number(report["totals"]["difference"])
    return {
        "chart": "line",
        "stacked": False,
        "unit": "hours",
        "date_from": date_from.isoformat(),
        "date_to": today.isoformat(),
        "labels": labels,
        "datasets": datasets,
        "summary": _("Overtime balance %(hours)s hours over %(weeks)s weeks for %(people)s people.")
        % {"hours": _g(difference, sign=True), "weeks": len(labels), "people": len(datasets)},
        "account": _own_account(actor, today),
    }


def _own_account(actor: User, today: date) -> dict:
    """The reader's own working-time account today, named as such next to the chart."""
    account = working_time_account(actor, today)
    return {
        "as_of": today.isoformat(),
        "balance_hours": str(account.balance_hours),
        "text": account_summary(account),
    }


def _team_absences(actor: User, today: date, range_days: int) -> dict:
    date_to = today + timedelta(days=range_days - 1)
    days = [today + timedelta(days=offset) for offset in range(range_days)]
    absent: dict[str, dict[date, set[int]]] = {"approved": defaultdict(set), "pending": defaultdict(set)}
    # Counts only, so no leave type shows; team mates count too unless their team keeps absences to its managers.
    for request in absences(users_whose_absences_visible_to(actor), today, date_to):
        for offset in range((request.end_date - request.start_date).days + 1):
            day = request.start_date + timedelta(days=offset)
            if today <= day <= date_to:
                absent[request.status][day].add(request.user_id)
    datasets = [
        {"label": str(LeaveRequest.Status(status).label), "data": [len(absent[status][day]) for day in days]}
        for status in ("approved", "pending")
    ]
    people = {user for by_day in absent.values() for users in by_day.values() for user in users}
    return {
        "chart": "bar",
        "stacked": True,
        "unit": "people",
        "date_from": today.isoformat(),
        "date_to": date_to.isoformat(),
        "labels": [day.isoformat() for day in days],
        "datasets": datasets,
        "summary": _("%(people)s people away at some point in the next %(days)s days.")
        % {"people": len(people), "days": range_days},
    }


def _open_violations(actor: User, today: date, range_days: int) -> dict:
    date_from = today - timedelta(days=range_days - 1)
    counts = Counter(
        dict(
            violations_visible_to(actor)
            .filter(status=Violation.Status.OPEN, period_end__gte=date_from)
            .order_by()
            .values_list("rule")
            .annotate(n=Count("pk"))
            .values_list("rule", "n")
        )
    )
    rules = [rule for rule in Violation.Rule if counts[rule.value]]
    return {
        "chart": "bar",
        "stacked": False,
        "unit": "violations",
        "date_from": date_from.isoformat(),
        "date_to": today.isoformat(),
        "labels": [str(rule.label) for rule in rules],
        "datasets": [{"label": _("Open violations"), "data": [counts[rule.value] for rule in rules]}],
        "summary": _("%(count)s open violations.") % {"count": sum(counts.values())},
    }


def _utilisation(actor: User, today: date, range_days: int) -> dict:
    date_from = today - timedelta(days=range_days - 1)
    report = time_report(actor=actor, date_from=date_from, date_to=today, group_by=["user"], tz=actor.tzinfo)
    rows = [row for row in report["rows"] if row["hours"]]
    totals = report["totals"]
    overall = _number(100 * totals["billable_hours"] / totals["hours"]) if totals["hours"] else 0
    return {
        "chart": "bar",
        "stacked": False,
        "unit": "percent",
        "date_from": date_from.isoformat(),
        "date_to": today.isoformat(),
        "labels": [row["user_name"] for row in rows],
        "datasets": [
            {
                "label": _("Billable share (%)"),
                "data": [_number(100 * row["billable_hours"] / row["hours"]) for row in rows],
            }
        ],
        "summary": _("%(share)s%% of %(hours)s hours were billable.")
        % {"share": _g(overall), "hours": _g(_number(totals["hours"]))},
    }


BUILDERS = {
    Kind.HOURS_PER_WEEK: _hours_per_week,
    Kind.MONTH_BY_PROJECT: _month_by_project,
    Kind.OVERTIME_TREND: _overtime_trend,
    Kind.TEAM_ABSENCES: _team_absences,
    Kind.OPEN_VIOLATIONS: _open_violations,
    Kind.UTILISATION: _utilisation,
}


# --- layout -----------------------------------------------------------------------------------


def default_layout(user: User) -> list[dict]:
    kinds = [Kind.HOURS_PER_WEEK, Kind.MONTH_BY_PROJECT, Kind.OVERTIME_TREND, Kind.TEAM_ABSENCES]
    if user.is_manager or user.is_admin:
        kinds += [Kind.OPEN_VIOLATIONS, Kind.UTILISATION]
    return [
        {"kind": kind.value, "position": position, "range_days": DashboardWidget.DEFAULT_RANGE_DAYS[kind]}
        for position, kind in enumerate(kinds)
    ]


def dashboard_layout(user: User) -> list[dict]:
    """The user's saved widgets in order, else the default layout for their role."""
    dashboard = Dashboard.objects.filter(owner=user).first()
    if dashboard is None:
        return default_layout(user)
    return [
        {"kind": widget.kind, "position": widget.position, "range_days": widget.range_days}
        for widget in dashboard.widgets.order_by("position")
    ]
