"""Recording a judgement: the violations its findings describe created, brought up to date,
reopened or resolved, for one person or many, set-based.

A judgement (`compliance.judge_many`, which a time entry's write, an import and the
scans all go through) hands over each person's judged days, the later weeks whose average
it re-judged, and the findings. The stored violations of everyone are read (and locked)
in one query; what changed is written with one `bulk_create` and one `bulk_update`. Bulk
writes send no per-row signals (STYLE.md), so what a `save()` of each row caused is done
here, each in one go: the auditlog history (`core.audit.audit_log_bulk`, the entries
auditlog writes for a save), the dashboards' cache versions (`rows_written_in_bulk`, each
scope once) and one `violation.created` webhook event per new violation (`domain_events`).
Nothing here decides a finding: the rules are in `compliance.rules`."""

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from compliance import rules
from compliance.models import Violation
from core import periods
from core.audit import audit_log_bulk
from core.signals import domain_events, rows_written_in_bulk
from core.texts import Text
from users.models import User

ViolationKey = tuple[int, str, date, date]  # user, rule, period
# What a finding sets on its violation (the status aside).
FROM_FINDING = ("measured", "limit", "message", "message_code", "message_params", "entries")
REOPENED = ("status", "resolved_at", "resolution_note")


@dataclass
class Judged:
    """One person's judgement to record: the days judged (their weeks, for the weekly
    rules), the later weeks whose average was judged besides, and what was found."""

    user: User
    days: set[date]
    average_weeks: set[date] = field(default_factory=set)
    findings: list[rules.Finding] = field(default_factory=list)

    def resolve_window(self) -> tuple[date, date]:
        """The periods a judgement may resolve: ending on or after the judged span's first
        day, starting on or before six days after its last."""
        span = [*self.days, *self.average_weeks, *(week + timedelta(days=6) for week in self.average_weeks)]
        return min(span), max(span) + timedelta(days=6)

    def judges(self, violation: Violation) -> bool:
        """Whether this judgement covers `violation`'s period, so a violation it no longer
        finds is resolved: a weekly average of a judged week or a re-judged later week, a
        weekly rest of a judged week, a daily finding starting or ending on a judged day, and
        the rules judged over a span (`rules.SPAN_JUDGED`) when a judged day is in it."""
        rule, start, end = violation.rule, violation.period_start, violation.period_end
        if rule in rules.SPAN_JUDGED:
            first, last = rules.judged_span(rule, start, end)
            return any(first <= day <= last for day in self.days)
        week = periods.week_start_of(end)
        if rule == "weekly_average":
            return week in self.average_weeks or any(periods.week_start_of(day) == week for day in self.days)
        if rule == "weekly_rest":
            return any(periods.week_start_of(day) == week for day in self.days)
        return start in self.days or end in self.days


def recorded(finding: rules.Finding) -> bool:
    """Violations are recorded, and the warnings `rules.RECORDED_WARNINGS` all the same."""
    return finding.severity == rules.VIOLATION or finding.rule in rules.RECORDED_WARNINGS


def message_fields(finding: rules.Finding) -> dict:
    """The finding's message as a violation keeps it: in English (the API's and webhooks'
    `message`), and as a code with parameters that each reader sees in their own language."""
    if not isinstance(finding.message, Text):
        return {"message": str(finding.message)[:255], "message_code": "", "message_params": {}}
    data = finding.message.as_data()
    return {"message": finding.message.english()[:255], "message_code": data["code"], "message_params": data["params"]}


def _finding_fields(finding: rules.Finding) -> dict:
    message = message_fields(finding)
    return {"measured": finding.measured, "limit": finding.limit, **message, "entries": list(finding.entries)}


def violations_record(judgements: list[Judged]) -> dict[str, int]:
    """Upsert the violations found and resolve the ones the judgements cover that are no
    longer found; idempotent (unique on user + rule + period). Call it inside the
    judgement's transaction, the people's judgement locks held. Answers how many violations
    were created, updated (brought up to date or reopened) and resolved."""
    judgements = [judged for judged in judgements if judged.days or judged.average_weeks]
    if not judgements:
        return {"created": 0, "updated": 0, "resolved": 0}
    stored = _stored_violations(judgements)
    created: dict[ViolationKey, Violation] = {}
    updated: list[tuple[Violation, Violation]] = []  # (as read, as it is to be)
    resolved: list[tuple[Violation, Violation]] = []
    now = timezone.now()
    for judged in judgements:
        mine = stored[judged.user.pk]
        for finding in filter(recorded, judged.findings):
            key = (judged.user.pk, finding.rule, finding.period_start, finding.period_end)
            if key in created:  # found twice: the last finding stands, as a second save's would
                _set(created[key], _finding_fields(finding))
            elif key in mine:
                change = _brought_up_to_date(mine.pop(key), finding)
                if change:
                    updated.append(change)
            else:
                created[key] = Violation(
                    user=judged.user,
                    rule=finding.rule,
                    period_start=finding.period_start,
                    period_end=finding.period_end,
                    **_finding_fields(finding),
                )
        # What is left of the person's violations was not found again.
        low, high = judged.resolve_window()
        for violation in mine.values():
            if violation.status == Violation.Status.RESOLVED or not low <= violation.period_end:
                continue
            if violation.period_start <= high and judged.judges(violation):
                before = copy.copy(violation)
                violation.status, violation.resolved_at = Violation.Status.RESOLVED, now
                resolved.append((before, violation))
    _write(list(created.values()), updated + resolved, now)
    return {"created": len(created), "updated": len(updated), "resolved": len(resolved)}


def _stored_violations(judgements: list[Judged]) -> dict[int, dict[ViolationKey, Violation]]:
    """Everyone's violations a finding may match or the judgement may resolve (those of the
    findings' periods, the unresolved ones meeting the judged spans), and some more: one
    query over everyone's widest span, locked; each person's own span is applied by the
    caller. Each holds its person as the judgement has them (no query for `str()`)."""
    people = {judged.user.pk: judged.user for judged in judgements}
    windows = [judged.resolve_window() for judged in judgements]
    wanted = Q(user_id__in=list(people), period_end__gte=min(low for low, _ in windows))
    wanted &= Q(period_start__lte=max(high for _, high in windows))
    findings = [finding for judged in judgements for finding in judged.findings]
    if findings:
        starts, ends = {finding.period_start for finding in findings}, {finding.period_end for finding in findings}
        wanted |= Q(user_id__in=list(people), period_start__in=starts, period_end__in=ends)
    found: dict[int, dict[ViolationKey, Violation]] = defaultdict(dict)
    for violation in Violation.objects.select_for_update().filter(wanted).order_by("pk"):
        violation.user = people[violation.user_id]
        found[violation.user_id][(violation.user_id, violation.rule, violation.period_start, violation.period_end)] = (
            violation
        )
    return found


def _set(violation: Violation, fields: dict) -> None:
    for name, value in fields.items():
        setattr(violation, name, value)


def _brought_up_to_date(violation: Violation, finding: rules.Finding) -> tuple[Violation, Violation] | None:
    """The violation as read and as the finding leaves it (reopened if it was resolved);
    None when the finding changes nothing."""
    fields = _finding_fields(finding)
    changed = (violation.measured, violation.limit, violation.entries, violation.message_code) != (
        fields["measured"],
        fields["limit"],
        fields["entries"],
        fields["message_code"],
    ) or violation.status == Violation.Status.RESOLVED
    if not changed:
        return None
    before = copy.copy(violation)
    _set(violation, fields)
    if violation.status == Violation.Status.RESOLVED:
        violation.status, violation.resolved_at, violation.resolution_note = Violation.Status.OPEN, None, ""
    return before, violation


def _write(created: list[Violation], changed: list[tuple[Violation, Violation]], now) -> None:
    """The rows in one INSERT and one UPDATE, with what their `save()` would have caused."""
    if created:
        Violation.objects.bulk_create(created)
    if changed:
        for _before, violation in changed:
            violation.updated_at = now  # `auto_now`, which bulk_update does not set
        Violation.objects.bulk_update(
            [violation for _before, violation in changed], [*FROM_FINDING, *REOPENED, "updated_at"]
        )
    if not (created or changed):
        return
    audit_log_bulk(model=Violation, created=created, updated=changed)
    written = [violation.user for violation in created] + [violation.user for _before, violation in changed]
    rows_written_in_bulk.send(sender=Violation, people={user.pk: user.team_id for user in written})
    if created:
        domain_events.send(sender=Violation, event="violation.created", instances=created)
