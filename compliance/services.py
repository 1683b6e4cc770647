"""Working-time checks where they matter: as a time entry is written (live, inside the
writing transaction), and in the daily scan. The rules themselves are pure functions in compliance/rules.py."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from compliance import rules
from compliance.models import Violation, WorkingTimePolicy
from compliance.selectors import policy_for, recorded_work
from core import periods
from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from users.models import User
from users.permissions import ensure_admin, ensure_can_decide_for


def compliance_evaluate(*, user: User, days: set[date], policy: WorkingTimePolicy | None = None) -> list[rules.Finding]:
    """Judge `days` (and their weeks) for `user` as the entries stand."""
    if not days:
        return []
    now = timezone.now()
    work = recorded_work([user], min(days), max(days), now=now, policy=policy)[user.pk]
    if not work.has_work:
        return []  # no work, nothing to break
    return work.evaluate(days, now)


def _affected_days(user: User, *spans: tuple[datetime | date, datetime | None]) -> set[date]:
    """The local days a write touched, and the day on either side. A span is (start, end)
    of a clocked entry (end None while running), or (day, None) of a duration entry."""
    days: set[date] = set()
    for start, end in spans:
        touched = periods.local_days_touched(start, end, user.tzinfo) if isinstance(start, datetime) else [start]
        # A change moves the rests around it: the day before and after are judged too.
        days.update(touched, {touched[0] - timedelta(days=1), touched[-1] + timedelta(days=1)})
    return days


def _violation_record(user: User, finding: rules.Finding) -> str:
    """Create the violation a finding describes, or bring the stored one up to date (and
    reopen it if it was resolved). Answers "created", "updated" or "" (unchanged)."""
    violation, created = Violation.objects.select_for_update().get_or_create(
        user=user,
        rule=finding.rule,
        period_start=finding.period_start,
        period_end=finding.period_end,
        defaults={
            "measured": finding.measured,
            "limit": finding.limit,
            "message": finding.message[:255],
            "entries": list(finding.entries),
        },
    )
    if created:
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


def _violations_resolve_gone(user: User, days: set[date], seen: set[tuple]) -> int:
    """Resolve the open violations judged again for `days` (their weeks, for the weekly
    rules) that the findings no longer contain; answers how many."""
    weeks = {periods.week_start_of(day) for day in days}
    judged = (
        Violation.objects.filter(user=user)
        .order_by()
        .exclude(status=Violation.Status.RESOLVED)
        .filter(period_end__gte=min(days), period_start__lte=max(days) + timedelta(days=6))
    )
    resolved = 0
    for violation in judged:
        in_scope = (
            violation.period_start in days or violation.period_end in days
            if violation.rule not in ("weekly_average", "weekly_rest")
            else periods.week_start_of(violation.period_end) in weeks
        )
        if violation.rule in rules.SPAN_JUDGED:
            first, last = rules.judged_span(violation.rule, violation.period_start, violation.period_end)
            in_scope = any(first <= day <= last for day in days)
        if in_scope and (violation.rule, violation.period_start, violation.period_end) not in seen:
            violation.status, violation.resolved_at = Violation.Status.RESOLVED, timezone.now()
            violation.save(update_fields=["status", "resolved_at", "updated_at"])
            resolved += 1
    return resolved


def violations_sync(*, user: User, days: set[date], findings: list[rules.Finding]) -> dict[str, int]:
    """Upsert the violations found for `days` (and the warnings recorded all the same,
    `rules.RECORDED_WARNINGS`) and resolve the ones in that span that are no longer there.
    Idempotent: unique on user + rule + period."""
    counts = {"created": 0, "updated": 0, "resolved": 0}
    if not days:
        return counts
    seen = set()
    with transaction.atomic():
        for finding in findings:
            if finding.severity != rules.VIOLATION and finding.rule not in rules.RECORDED_WARNINGS:
                continue
            seen.add((finding.rule, finding.period_start, finding.period_end))
            outcome = _violation_record(user, finding)
            if outcome:
                counts[outcome] += 1
        counts["resolved"] = _violations_resolve_gone(user, days, seen)
    return counts


def compliance_after_write(*, user: User, spans, refuse_violations: bool = True) -> list[rules.Finding]:
    """Called by Time's services inside their transaction once an entry was saved, moved or
    deleted: judge the affected days as they now stand. Under a `block` policy a violation
    raises 409 naming the rule and the caller's transaction rolls the write back, so nothing
    is saved (`refuse_violations=False` for deletions: less work is never refused).
    Otherwise the violations are recorded, fixed ones resolved, and the findings returned
    for the response's `compliance_warnings`."""
    policy = policy_for(user)
    days = _affected_days(user, *spans)
    findings = compliance_evaluate(user=user, days=days, policy=policy)
    if refuse_violations and policy.enforcement == WorkingTimePolicy.Enforcement.BLOCK:
        violations = [finding for finding in findings if finding.severity == rules.VIOLATION]
        if violations:
            first = violations[0]
            raise Conflict(
                f"Refused by the working-time policy ({first.rule}): {first.message}", code=f"compliance_{first.rule}"
            )
    violations_sync(user=user, days=days, findings=findings)
    return findings


def compliance_scan(*, start: date, end: date, users=None, batch_size: int = 200) -> dict[str, int]:
    """Judge every active user's days from `start` to `end` and record the result."""
    if end < start:
        raise DomainValidationError("`to` is before `from`.", field="to")
    totals = {"users": 0, "created": 0, "updated": 0, "resolved": 0}
    users = users if users is not None else User.objects.filter(is_active=True)
    days = {start + timedelta(days=n) for n in range((end - start).days + 1)}
    last_pk = 0
    while True:
        batch = list(users.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
        if not batch:
            break
        for user in batch:
            counts = violations_sync(user=user, days=days, findings=compliance_evaluate(user=user, days=days))
            totals["users"] += 1
            for key, value in counts.items():
                totals[key] += value
        last_pk = batch[-1].pk
    return totals


@transaction.atomic
def violation_acknowledge(*, violation_id: int, actor: User, comment: str) -> Violation:
    """A manager (or admin) notes that they saw a violation and what is done about it."""
    violation = Violation.objects.select_for_update(of=("self",)).select_related("user").get(pk=violation_id)
    ensure_can_decide_for(actor, violation.user, what="acknowledge this violation")
    if not (comment or "").strip():
        raise DomainValidationError("Say what is done about it.", field="comment")
    if violation.status != Violation.Status.OPEN:
        raise Conflict(f"The violation is {violation.status}.", code="invalid_state")
    violation.status = Violation.Status.ACKNOWLEDGED
    violation.acknowledged_by, violation.acknowledged_at, violation.comment = actor, timezone.now(), comment
    violation.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "comment", "updated_at"])
    audit_event_record(action="violation_acknowledged", actor=actor, target=violation, data={"comment": comment})
    return violation


@transaction.atomic
def policy_save(*, actor: User, instance: WorkingTimePolicy, teams=None, **fields) -> WorkingTimePolicy:
    """Create or change a policy (admins). A team follows at most one policy; one default."""
    ensure_admin(actor, what="change working-time policies")
    was_default = instance.pk is not None and WorkingTimePolicy.objects.filter(pk=instance.pk, is_default=True).exists()
    for name, value in fields.items():
        setattr(instance, name, value)
    # The one-default constraint is kept below by moving the flag; the others are checked here.
    instance.full_clean(validate_unique=False, exclude=["is_default"])
    for name in ("max_weekly_hours", "max_daily_hours"):
        if getattr(instance, name) <= 0:
            raise DomainValidationError("Must be more than 0.", field=name)
    if WorkingTimePolicy.objects.filter(name__iexact=instance.name).exclude(pk=instance.pk).exists():
        raise DomainValidationError("A policy with this name exists.", field="name")
    if was_default and not instance.is_default:
        raise DomainValidationError("Make another policy the default instead.", field="is_default")
    if instance.is_default:
        # Locked, so two "make this the default" saves at once take turns instead of failing.
        for previous in WorkingTimePolicy.objects.select_for_update().filter(is_default=True).exclude(pk=instance.pk):
            previous.is_default = False
            previous.save(update_fields=["is_default", "updated_at"])  # save(), not update(): auditlog sees it
    instance.save()
    if teams is not None:
        taken = WorkingTimePolicy.teams.through.objects.filter(team__in=teams).exclude(workingtimepolicy=instance)
        if taken.exists():
            raise DomainValidationError("A team can follow only one policy.", field="teams")
        instance.teams.set(teams)
    audit_event_record(action="policy_saved", actor=actor, target=instance, data={"enforcement": instance.enforcement})
    return instance
