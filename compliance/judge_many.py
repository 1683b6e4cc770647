"""Compliance after a bulk write (an import, its revert): many people's days judged at once.

`compliance_after_write` judges one person's days as one entry's write leaves them; called
per person for an import of 500 people it spent ~170 ms each, nearly all of it in its ~12
queries (the policy, the recorded work, the violations read one by one), the rules
themselves ~4 ms. `compliance_judge_many` asks exactly what it asks, of everyone at once:

- the policy per team and contract policy (`policy_for` once per distinct pair);
- the recorded work (`recorded_work`, a fixed number of queries) per group of people whose
  reading window is the same (their judged span, policy and time zone), so each person's
  work is read over the very window the one-person path reads;
- the stored violations of everyone touched, in one query (locked, as the one-person path
  locks them);
- the same pure rules over each person's work (`RecordedWork.evaluate`), the same findings;
- and the same writes: a violation created, brought up to date, reopened or resolved with
  `save()`, one by one, so auditlog, the dashboards' cache versions and `violation.created`
  follow as they do for one entry. Only what changes is written, which after an import is
  what is new.

The rules stay in `compliance.rules` (pure functions); nothing here decides a finding.
`compliance/tests/test_judge_many.py` holds both paths to the same violations."""

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from compliance import rules
from compliance.models import Violation, WorkingTimePolicy
from compliance.selectors import contract_policy_ids, policy_for, recorded_work
from compliance.services import _affected_days, weeks_averaged_over
from core import periods
from core.signals import domain_event
from users.models import User

ViolationKey = tuple[int, str, date, date]  # user, rule, period


class _Plan:
    """One person's judgement as `compliance_after_write` lays it out."""

    __slots__ = ("average_weeks", "days", "findings", "policy", "span", "user")

    def __init__(self, user: User, days: set[date]):
        self.user, self.days = user, days
        self.policy: WorkingTimePolicy | None = None
        self.average_weeks: set[date] = set()
        self.span: tuple[date, date] | None = None
        self.findings: list[rules.Finding] = []


def compliance_judge_many(*, people_days: dict[int, tuple[date, date]]) -> dict[str, int]:
    """Judge each person's days from first to last (`people_days`: user id -> (first, last))
    as `compliance_after_write` judges the spans of a write on each of those days, record the
    violations and resolve the fixed ones. Answers the people judged and the violations
    created, updated and resolved."""
    users = User.objects.in_bulk(list(people_days))
    plans = []
    for user_id, (first, last) in sorted(people_days.items()):
        user = users.get(user_id)
        if user is None:
            continue
        spans = [(first + timedelta(days=offset), None) for offset in range((last - first).days + 1)]
        plans.append(_Plan(user, _affected_days(user, *spans)))
    if not plans:
        return {"users": 0, "created": 0, "updated": 0, "resolved": 0}
    _choose_policies(plans)
    now = timezone.now()
    for plan in plans:
        later = weeks_averaged_over(
            user=plan.user, policy=plan.policy, first_day=min(plan.days), last_day=max(plan.days)
        )
        later -= {periods.week_start_of(day) for day in plan.days}
        # `compliance_evaluate`'s reading span.
        plan.average_weeks = later - {periods.week_start_of(day) for day in plan.days}
        span = [*plan.days, *plan.average_weeks, *(week + timedelta(days=6) for week in plan.average_weeks)]
        plan.span = (min(span), max(span))
    _evaluate(plans, now)
    with transaction.atomic():
        counts = _record(plans)
    counts["users"] = len(plans)
    return counts


def _choose_policies(plans: list[_Plan]) -> None:
    """`policy_for(user, on=the last judged day)` for everyone: it follows from the person's
    team and the policy their contract names on that day, so it is asked once per pair."""
    by_day: dict[date, list[_Plan]] = defaultdict(list)
    for plan in plans:
        by_day[max(plan.days)].append(plan)
    chosen: dict[tuple, WorkingTimePolicy] = {}
    for on, group in by_day.items():
        named = contract_policy_ids([plan.user for plan in group], on)
        for plan in group:
            key = (on, plan.user.team_id, named[plan.user.pk])
            if key not in chosen:
                chosen[key] = policy_for(plan.user, on=on)
            plan.policy = chosen[key]


def _evaluate(plans: list[_Plan], now) -> None:
    """`compliance_evaluate` for everyone: the recorded work read once per group of people
    with the same reading window, then the rules per person."""
    groups: dict[tuple, list[_Plan]] = defaultdict(list)
    for plan in plans:
        groups[(plan.span, id(plan.policy), plan.user.timezone)].append(plan)
    for (span, _policy, _zone), group in groups.items():
        work = recorded_work([plan.user for plan in group], *span, now=now, policy=group[0].policy)
        for plan in group:
            mine = work[plan.user.pk]
            if mine.has_work:
                plan.findings = [*mine.evaluate(plan.days, now), *mine.evaluate_averages(plan.average_weeks)]


def _record(plans: list[_Plan]) -> dict[str, int]:
    """`violations_sync` for everyone, the stored violations read (and locked) in one query."""
    counts = {"created": 0, "updated": 0, "resolved": 0}
    stored = _stored_violations(plans)
    by_user: dict[int, list[Violation]] = defaultdict(list)  # what each person had before
    for violation in stored.values():
        by_user[violation.user_id].append(violation)
    for plan in plans:
        seen = set()
        for finding in plan.findings:
            if finding.severity != rules.VIOLATION and finding.rule not in rules.RECORDED_WARNINGS:
                continue
            seen.add((finding.rule, finding.period_start, finding.period_end))
            outcome = _violation_record(plan.user, finding, stored)
            if outcome:
                counts[outcome] += 1
        counts["resolved"] += _resolve_gone(plan, seen, by_user[plan.user.pk])
    return counts


def _stored_violations(plans: list[_Plan]) -> dict[ViolationKey, Violation]:
    """Everyone's violations a finding may match or the judgement may resolve (those of the
    findings' periods, the unresolved ones meeting the judged spans), and some more: one
    query over everyone's widest span, each person's own span applied in Python."""
    ids = [plan.user.pk for plan in plans]
    windows = [_resolve_window(plan) for plan in plans]
    wanted = Q(user_id__in=ids, period_end__gte=min(low for low, _ in windows))
    wanted &= Q(period_start__lte=max(high for _, high in windows))
    starts = {finding.period_start for plan in plans for finding in plan.findings}
    ends = {finding.period_end for plan in plans for finding in plan.findings}
    if starts:
        wanted |= Q(user_id__in=ids, period_start__in=starts, period_end__in=ends)
    found = Violation.objects.select_for_update().filter(wanted).order_by("pk")
    return {
        (violation.user_id, violation.rule, violation.period_start, violation.period_end): violation
        for violation in found
    }


def _resolve_window(plan: _Plan) -> tuple[date, date]:
    """The periods `_violations_resolve_gone` reads: ending on or after the span's first day,
    starting on or before six days after its last."""
    span = [*plan.days, *plan.average_weeks, *(week + timedelta(days=6) for week in plan.average_weeks)]
    return min(span), max(span) + timedelta(days=6)


def _violation_record(user: User, finding: rules.Finding, stored: dict[ViolationKey, Violation]) -> str:
    """`compliance.services._violation_record` against the violations read already."""
    key = (user.pk, finding.rule, finding.period_start, finding.period_end)
    violation = stored.get(key)
    if violation is None:
        violation = Violation.objects.create(
            user=user,
            rule=finding.rule,
            period_start=finding.period_start,
            period_end=finding.period_end,
            measured=finding.measured,
            limit=finding.limit,
            message=finding.message[:255],
            entries=list(finding.entries),
        )
        stored[key] = violation
        domain_event.send(sender=Violation, event="violation.created", instance=violation)
        return "created"
    changed = (violation.measured, violation.limit, violation.entries) != (
        finding.measured,
        finding.limit,
        list(finding.entries),
    ) or violation.status == Violation.Status.RESOLVED
    if not changed:
        return ""
    violation.measured, violation.limit = finding.measured, finding.limit
    violation.message, violation.entries = finding.message[:255], list(finding.entries)
    if violation.status == Violation.Status.RESOLVED:
        violation.status, violation.resolved_at, violation.resolution_note = Violation.Status.OPEN, None, ""
    violation.save()
    return "updated"


def _resolve_gone(plan: _Plan, seen: set[tuple], before: list[Violation]) -> int:
    """`compliance.services._violations_resolve_gone` over the person's violations read
    already (those created since are all in `seen`; those reopened too)."""
    days, average_weeks = plan.days, plan.average_weeks
    weeks = {periods.week_start_of(day) for day in days}
    low, high = _resolve_window(plan)
    resolved = 0
    for violation in before:
        rule, start, end = violation.rule, violation.period_start, violation.period_end
        if violation.status == Violation.Status.RESOLVED:
            continue
        if not (end >= low and start <= high):
            continue
        week = periods.week_start_of(end)
        if rule == "weekly_average":
            in_scope = week in weeks or week in average_weeks
        elif rule == "weekly_rest":
            in_scope = week in weeks
        else:
            in_scope = start in days or end in days
        if rule in rules.SPAN_JUDGED:
            first, last = rules.judged_span(rule, start, end)
            in_scope = any(first <= day <= last for day in days)
        if in_scope and (rule, start, end) not in seen:
            violation.status, violation.resolved_at = Violation.Status.RESOLVED, timezone.now()
            violation.save(update_fields=["status", "resolved_at", "updated_at"])
            resolved += 1
    return resolved
