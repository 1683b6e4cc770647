"""The compliance page for managers and admins (/compliance/): their people's open
working-time violations, each with a form to acknowledge it, and everyone's rolling weekly
average against the limit for the current week.

Acknowledging goes through `compliance.services.violation_acknowledge`; its refusal is shown
next to the form that caused it. The averages come from `compliance.summary`, read in a
fixed number of queries (plus one policy lookup per team).
"""

from datetime import date
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.http import require_GET, require_POST

from compliance import services, summary
from compliance.models import Violation
from compliance.selectors import violations_visible_to
from core import periods
from core.forms import DecisionForm
from core.pages import decision_apply, format_hours
from core.pages import local_timezone as _local_timezone
from users.models import User
from users.selectors import users_visible_to


def _ensure_manager(user: User) -> None:
    if not (user.is_manager or user.is_admin):
        raise PermissionDenied(_("Only managers and admins see their people's working-time compliance."))


def period_label(violation: Violation) -> str:
    """ "Tue 3 Mar 2026" or "Mon 2 Mar 2026 to Sun 8 Mar 2026"."""

    def day(value: date) -> str:
        return dateformat.format(value, "D j M Y")

    if violation.period_start == violation.period_end:
        return day(violation.period_start)
    return _("%(start)s to %(end)s") % {"start": day(violation.period_start), "end": day(violation.period_end)}


# Rules that count days rather than hours: the unit for one and for several.
COUNTED = {
    Violation.Rule.SUBSTITUTE_REST: ngettext_lazy("%(amount)s day", "%(amount)s days", "count"),
    Violation.Rule.FREE_SUNDAYS: ngettext_lazy("%(amount)s free Sunday", "%(amount)s free Sundays", "count"),
}


def amount_label(violation: Violation, value) -> str:
    """What a rule measures, with its unit: breaks in minutes, a night worker's average in
    hours a working day, substitute rest days and free Sundays counted, everything else in
    hours; times not recorded measure the hours without times against "start and end"."""
    if violation.rule == Violation.Rule.TIMES_NOT_RECORDED and value == violation.limit:
        return _("start and end")
    if violation.rule in COUNTED:
        return COUNTED[violation.rule] % {"amount": format_hours(value), "count": 1 if value == 1 else 2}
    if violation.rule == Violation.Rule.BREAKS:
        return _("%(amount)s min") % {"amount": format_hours(value)}
    if violation.rule == Violation.Rule.NIGHT_AVERAGE:
        return _("%(amount)s h a day") % {"amount": format_hours(value)}
    return _("%(amount)s h") % {"amount": format_hours(value)}


def _over_label(days_counted: int, policy) -> str:
    """The reference period, or the days since the first entry when there are fewer."""
    weeks = policy.reference_period_weeks
    if days_counted >= weeks * 7:
        return ngettext("over %(count)d week", "over %(count)d weeks", weeks) % {"count": weeks}
    return ngettext("over %(count)d day", "over %(count)d days", days_counted) % {"count": days_counted}


def _member_row(member: User, week: dict) -> dict:
    average = week["rolling_average"]
    return {
        "member": member,
        "hours": format_hours(week["hours"]),
        "average": format_hours(average) if average is not None else "",
        "limit": format_hours(week["max_weekly_hours"]),
        "over": _over_label(week["days_counted"], week["policy"]),
        "policy": week["policy"],
        "above_limit": week["above_limit"],
    }


def _acknowledge_form(violation: Violation, bound: dict) -> DecisionForm:
    return bound.get(violation.pk) or DecisionForm(auto_id=f"v{violation.pk}-%s")


def _page_context(request, *, forms: dict | None = None) -> dict:
    manager = request.user
    week_start = periods.week_start_of(manager.local_today())
    violations = (
        violations_visible_to(manager)
        .exclude(user=manager)  # nobody acknowledges their own
        .filter(status=Violation.Status.OPEN)
        .order_by("user__first_name", "user__last_name", "user__email", "period_start", "rule", "pk")
    )
    members = users_visible_to(manager).exclude(pk=manager.pk).filter(is_active=True)
    members = list(members.order_by("first_name", "last_name", "email"))
    averages = summary.weekly_averages(members, week_start)
    return {
        "nav": "compliance",
        "week": {"start": week_start, "label": periods.iso_week_label(week_start)},
        "violations": [
            {
                "violation": violation,
                "period": period_label(violation),
                "measured": amount_label(violation, violation.measured),
                "limit": amount_label(violation, violation.limit),
                "form": _acknowledge_form(violation, forms or {}),
            }
            for violation in violations
        ],
        "members": [_member_row(member, averages[member.pk]) for member in members],
    }


@login_required
@require_GET
@_local_timezone
def compliance_page(request):
    _ensure_manager(request.user)
    return render(request, "compliance/team.html", _page_context(request))


@login_required
@require_POST
@_local_timezone
def violation_acknowledge(request, violation_id: int):
    """Acknowledge one violation with a comment, then go back to the page."""
    _ensure_manager(request.user)
    violation = get_object_or_404(violations_visible_to(request.user), pk=violation_id)
    form = DecisionForm(request.POST, auto_id=f"v{violation.pk}-%s")
    status = decision_apply(
        form, partial(services.violation_acknowledge, violation_id=violation.pk, actor=request.user)
    )
    if status is None:
        messages.success(
            request,
            _("%(person)s: %(rule)s, %(period)s is acknowledged.")
            % {
                "person": violation.user,
                "rule": violation.get_rule_display().lower(),
                "period": period_label(violation),
            },
        )
        return redirect("compliance")
    context = _page_context(request, forms={violation.pk: form})
    if not any(row["form"] is form for row in context["violations"]):
        # The violation is not on the page (the manager's own, or no longer open).
        context["page_error"] = " ".join(error for errors in form.errors.values() for error in errors)
    return render(request, "compliance/team.html", context, status=status)
