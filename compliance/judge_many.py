"""Compliance's judgement of written working time: the one code path for a time entry's
write (`compliance_after_write`, one person) and a bulk write (`compliance_judge_many`, an
import's or a revert's people at once).

A judgement asks the same of one person as of 500, and asks it of everyone at once:

- the people's judgement locks (one statement), so that of two judgements of a person at
  once the later reads what the earlier wrote and its record stands;
- the policy in force on each person's last judged day (`policy_for`, once per distinct
  team and contract policy);
- the recorded work (`recorded_work`, a fixed number of queries) per group of people whose
  reading window is the same (their judged span, policy and time zone);
- the same pure rules over each person's work (`RecordedWork.evaluate`);
- and the record, set-based (`compliance.recording`): the stored violations read in one
  query, the new ones in one INSERT, the changed ones in one UPDATE, with their history,
  the dashboards' cache versions and a `violation.created` webhook event each.

The rules stay in `compliance.rules` (pure functions); nothing here decides a finding.
`compliance/tests/test_judge_many.py` holds both entry points to the same violations."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from compliance import rules
from compliance.models import WorkingTimePolicy
from compliance.recording import Judged, violations_record
from compliance.selectors import contract_policy_ids, policy_for, recorded_work
from core import periods
from users.models import User

# The first key of the advisory lock a person's judgements take turns on.
JUDGEMENT_LOCK_NAMESPACE = 7221
# People judged in one transaction: bounds the advisory locks (and row locks) it holds.
JUDGE_BATCH = 500


class _Plan(Judged):
    """One person's judgement: what `Judged` records, and the policy and span it reads."""

    def __init__(self, user: User, days: set[date]):
        super().__init__(user=user, days=days)
        self.policy: WorkingTimePolicy | None = None
        self.span: tuple[date, date] | None = None


def affected_days(user: User, *spans: tuple[datetime | date, datetime | None]) -> set[date]:
    """The local days a write touched, and the day on either side. A span is (start, end)
    of a clocked entry (end None while running), or (day, None) of a duration entry."""
    days: set[date] = set()
    for start, end in spans:
        touched = periods.local_days_touched(start, end, user.tzinfo) if isinstance(start, datetime) else [start]
        # A change moves the rests around it: the day before and after are judged too.
        days.update(touched, {touched[0] - timedelta(days=1), touched[-1] + timedelta(days=1)})
    return days


def weeks_averaged_over(*, user: User, policy: WorkingTimePolicy, first_day: date, last_day: date) -> set[date]:
    """The weeks whose reference period holds a day from `first_day` to `last_day`: from the
    first day's week to the week `reference_period_weeks - 1` after the last day's, none
    after the current week (a week to come is judged when it comes)."""
    this_week = periods.week_start_of(user.local_today())
    week = periods.week_start_of(first_day)
    last = min(periods.week_start_of(last_day) + timedelta(weeks=policy.reference_period_weeks - 1), this_week)
    weeks = set()
    while week <= last:
        weeks.add(week)
        week += timedelta(days=7)
    return weeks


def compliance_judge_many(*, people_days: dict[int, tuple[date, date]]) -> dict[str, int]:
    """Judge each person's days from first to last (`people_days`: user id -> (first, last))
    as `compliance_after_write` judges the spans of a write on each of those days, record the
    violations and resolve the fixed ones, `JUDGE_BATCH` people to a transaction. Answers
    the people judged and the violations created, updated and resolved."""
    users = User.objects.in_bulk(list(people_days))
    plans = []
    for user_id, (first, last) in sorted(people_days.items()):
        user = users.get(user_id)
        if user is not None:
            spans = [(first + timedelta(days=offset), None) for offset in range((last - first).days + 1)]
            plans.append(_Plan(user, affected_days(user, *spans)))
    totals = {"users": len(plans), "created": 0, "updated": 0, "resolved": 0}
    for start in range(0, len(plans), JUDGE_BATCH):
        with transaction.atomic():
            for name, count in judge(plans[start : start + JUDGE_BATCH]).items():
                totals[name] += count
    return totals


def compliance_after_write(*, user: User, spans) -> list[rules.Finding]:
    """Called once an entry was saved, moved or deleted (after Time's write committed, through
    `compliance_judge_written`): judge the affected days as they now stand, and re-judge the
    weekly average of every later week whose reference period holds them
    (`weeks_averaged_over`), so a back-dated correction leaves no stale average behind;
    record the violations, resolve the fixed ones and return the findings for the
    response's `compliance_warnings`. The judgement of many people with one person.

    Never refuses, whatever the policy: the record of actual working time must be objective
    and complete (CJEU C-55/18, BAG 1 ABR 22/21, ArbZG §16(2)), so a real 10.5-hour day, a
    timer stopped at its true end and a correction that reveals another violation are all
    saved. A `block` policy acts on approval instead (`timesheet_approval_check`)."""
    plan = _Plan(user, affected_days(user, *spans))
    with transaction.atomic(savepoint=False):
        judge([plan])
    return plan.findings


def judge(plans: list[_Plan]) -> dict[str, int]:
    """Judge and record `plans` (inside a transaction): lock, policies, spans, the recorded
    work, the rules, the record."""
    people_lock([plan.user.pk for plan in plans])
    _choose_policies(plans)
    for plan in plans:
        first, last = min(plan.days), max(plan.days)
        later = weeks_averaged_over(user=plan.user, policy=plan.policy, first_day=first, last_day=last)
        plan.average_weeks = later - {periods.week_start_of(day) for day in plan.days}
        span = [*plan.days, *plan.average_weeks, *(week + timedelta(days=6) for week in plan.average_weeks)]
        plan.span = (min(span), max(span))
    _evaluate(plans, timezone.now())
    return violations_record(plans)


def people_lock(user_ids: list[int]) -> None:
    """Take the judgement locks of these people (transaction-level advisory locks, in one
    statement, in the order of their ids so that two judgements never wait on each other
    crosswise). Not on SQLite, whose writes take turns anyway."""
    if connection.vendor != "postgresql" or not user_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, person) FROM unnest(%s::integer[]) AS person",
            [JUDGEMENT_LOCK_NAMESPACE, sorted(set(user_ids))],
        )


def _choose_policies(plans: list[_Plan]) -> None:
    """`policy_for(user, on=the last judged day)` for everyone: it follows from the person's
    team and the policy their contract names on that day, so among many people it is asked
    once per pair (one person's is asked at once)."""
    by_day: dict[date, list[_Plan]] = defaultdict(list)
    for plan in plans:
        by_day[max(plan.days)].append(plan)
    for on, group in by_day.items():
        if len(group) == 1:
            group[0].policy = policy_for(group[0].user, on=on)
            continue
        named = contract_policy_ids([plan.user for plan in group], on)
        chosen: dict[tuple, WorkingTimePolicy] = {}
        for plan in group:
            key = (plan.user.team_id, named[plan.user.pk])
            if key not in chosen:
                chosen[key] = policy_for(plan.user, on=on)
            plan.policy = chosen[key]


def _evaluate(plans: list[_Plan], now) -> None:
    """The recorded work read once per group of people with the same reading window, then
    the rules per person."""
    groups: dict[tuple, list[_Plan]] = defaultdict(list)
    for plan in plans:
        groups[(plan.span, id(plan.policy), plan.user.timezone)].append(plan)
    for (span, _policy, _zone), group in groups.items():
        work = recorded_work([plan.user for plan in group], *span, now=now, policy=group[0].policy)
        for plan in group:
            mine = work[plan.user.pk]
            if mine.has_work:
                plan.findings = [*mine.evaluate(plan.days, now), *mine.evaluate_averages(plan.average_weeks)]
