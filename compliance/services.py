"""Working-time checks where they matter: as a time entry is written (live, right after the
write commits, never refusing it), in the daily scan, and before a week is approved
(where a `block` policy stops a week with open violations). The rules themselves are pure
functions in compliance/rules.py."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from compliance import rules
from compliance.judge_many import compliance_after_write, people_lock, weeks_averaged_over
from compliance.models import Violation, WorkingTimePolicy
from compliance.policies import LEGAL_BOUNDS, beyond_legal_bound
from compliance.recording import Judged, violations_record
from compliance.selectors import policy_for, recorded_work
from core import periods
from core.audit import audit_event_record
from core.errors import Conflict, DomainValidationError
from users.models import User
from users.permissions import ensure_admin, ensure_can_decide_for

# Findings whose period reaches back before their week (the reference period's average):
# they belong to the week they end in.
WEEK_SPANNING_RULES = ("weekly_average",)


def compliance_evaluate(
    *, user: User, days: set[date], policy: WorkingTimePolicy | None = None, average_weeks: set[date] = frozenset()
) -> list[rules.Finding]:
    """Judge `days` (and their weeks) for `user` as the entries stand, and the weekly
    average of `average_weeks` besides."""
    if not days and not average_weeks:
        return []
    now = timezone.now()
    average_weeks = set(average_weeks) - {periods.week_start_of(day) for day in days}
    span = [*days, *average_weeks, *(week + timedelta(days=6) for week in average_weeks)]
    work = recorded_work([user], min(span), max(span), now=now, policy=policy)[user.pk]
    if not work.has_work:
        return []  # no work, nothing to break
    return [*work.evaluate(days, now), *work.evaluate_averages(average_weeks)]


def violations_sync(
    *, user: User, days: set[date], findings: list[rules.Finding], average_weeks: set[date] = frozenset()
) -> dict[str, int]:
    """Record the violations found for `days` and the weekly averages of `average_weeks`
    (and the warnings recorded all the same, `rules.RECORDED_WARNINGS`) and resolve the
    ones in that span that are no longer there, as a judgement records them
    (`compliance.recording`, the person's judgement lock held). Idempotent: unique on user
    + rule + period."""
    if not days and not average_weeks:
        return {"created": 0, "updated": 0, "resolved": 0}
    with transaction.atomic():
        people_lock([user.pk])
        return violations_record(
            [Judged(user=user, days=set(days), average_weeks=set(average_weeks), findings=findings)]
        )


@transaction.atomic(savepoint=False)
def compliance_judge_written(*, user: User, spans) -> list[rules.Finding]:
    """After a write on `user`'s time committed: `compliance_after_write` in a transaction of
    its own, which holds the person's judgement lock (`judge_many.people_lock`), so that of
    two writes at once the later judgement reads both and its record stands."""
    return compliance_after_write(user=user, spans=spans)


def open_violations_of_week(*, user: User, week_start: date):
    """The person's open violations that belong to the ISO week starting `week_start`: a
    finding ending in the week, or a daily one starting in it (a rest from Sunday into
    Monday belongs to both weeks). The warnings recorded all the same
    (`rules.RECORDED_WARNINGS`) are not violations and are left out."""
    week_end = week_start + timedelta(days=6)
    in_week = Q(period_end__range=(week_start, week_end)) | (
        Q(period_start__range=(week_start, week_end)) & ~Q(rule__in=WEEK_SPANNING_RULES)
    )
    return (
        Violation.objects.select_for_update(of=("self",))
        .filter(in_week, user=user, status=Violation.Status.OPEN)
        .exclude(rule__in=rules.RECORDED_WARNINGS)
        .order_by("period_start", "rule", "pk")
    )


@transaction.atomic
def timesheet_approval_check(*, user: User, week_start: date, actor: User, reason: str = "") -> list[Violation]:
    """Before a week is approved: under a `block` policy, its open violations stop the
    approval (409 `compliance_open_violations`, naming each) unless the approver gives a
    `reason`, which is recorded on each as its acknowledgement (with an audit event, as
    `violation_acknowledge` records one). Under `warn` a reason given is recorded the same
    way and nothing is refused. Answers the violations acknowledged."""
    violations = list(open_violations_of_week(user=user, week_start=week_start))
    if not violations:
        return []
    reason = (reason or "").strip()
    if not reason:
        if policy_for(user).enforcement != WorkingTimePolicy.Enforcement.BLOCK:
            return []
        listed = "; ".join(f"{violation.get_rule_display()}: {violation.message_text}" for violation in violations)
        message = ngettext(
            "Week %(week)s has %(count)d open working-time violation (%(listed)s). "
            "Acknowledge it or approve with a reason.",
            "Week %(week)s has %(count)d open working-time violations (%(listed)s). "
            "Acknowledge each or approve with a reason.",
            len(violations),
        )
        raise Conflict(
            message % {"week": periods.iso_week_label(week_start), "count": len(violations), "listed": listed},
            code="compliance_open_violations",
        )
    for violation in violations:
        _acknowledge(violation, actor=actor, comment=reason)
    return violations


@transaction.atomic
def compliance_rejudge_averages(*, user: User, first_day: date, last_day: date) -> dict[str, int]:
    """Re-judge and record the weekly average of every week whose reference period holds a
    day from `first_day` to `last_day`: what changes when leave neutral for the average is
    approved or cancelled after the fact."""
    policy = policy_for(user)
    weeks = weeks_averaged_over(user=user, policy=policy, first_day=first_day, last_day=last_day)
    findings = compliance_evaluate(user=user, days=set(), policy=policy, average_weeks=weeks)
    return violations_sync(user=user, days=set(), findings=findings, average_weeks=weeks)


def compliance_scan(*, start: date, end: date, users=None, batch_size: int = 200) -> dict[str, int]:
    """Judge every active user's days from `start` to `end` and record the result."""
    if end < start:
        raise DomainValidationError(_("`to` is before `from`."), field="to")
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
    ensure_can_decide_for(
        actor,
        violation.user,
        own=_("You cannot acknowledge your own violation."),
        others=_("Only %(person)s's manager or an admin can acknowledge this violation."),
    )
    if not (comment or "").strip():
        raise DomainValidationError(_("Say what is done about it."), field="comment")
    if violation.status != Violation.Status.OPEN:
        raise Conflict(
            _("The violation is %(status)s.") % {"status": violation.get_status_display().lower()},
            code="invalid_state",
        )
    return _acknowledge(violation, actor=actor, comment=comment)


def _acknowledge(violation: Violation, *, actor: User, comment: str) -> Violation:
    violation.status = Violation.Status.ACKNOWLEDGED
    violation.acknowledged_by, violation.acknowledged_at, violation.comment = actor, timezone.now(), comment
    violation.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "comment", "updated_at"])
    audit_event_record(action="violation_acknowledged", actor=actor, target=violation, data={"comment": comment})
    return violation


def _ensure_within_the_law(policy: WorkingTimePolicy) -> None:
    """Limits looser than the statutory ones (`policies.LEGAL_BOUNDS`) only as a marked
    collective-agreement exception that names its agreement."""
    policy.collective_agreement_reference = (policy.collective_agreement_reference or "").strip()
    if policy.collective_agreement_exception:
        if not policy.collective_agreement_reference:
            raise DomainValidationError(
                _("Name the collective agreement (and clause) the exception rests on."),
                field="collective_agreement_reference",
            )
        return
    for name in LEGAL_BOUNDS:
        reason = beyond_legal_bound(name, getattr(policy, name))
        if reason:
            raise DomainValidationError(reason, field=name)


@transaction.atomic
def policy_save(*, actor: User, instance: WorkingTimePolicy, teams=None, **fields) -> WorkingTimePolicy:
    """Create or change a policy (admins). A team follows at most one policy; one default;
    limits looser than the law only as a collective-agreement exception with its reference."""
    ensure_admin(actor, denied=_("Only admins can change working-time policies."))
    was_default = instance.pk is not None and WorkingTimePolicy.objects.filter(pk=instance.pk, is_default=True).exists()
    for name, value in fields.items():
        setattr(instance, name, value)
    # The one-default constraint is kept below by moving the flag; the others are checked here.
    instance.full_clean(validate_unique=False, exclude=["is_default"])
    for name in ("max_weekly_hours", "max_daily_hours"):
        if getattr(instance, name) <= 0:
            raise DomainValidationError(_("Must be more than 0."), field=name)
    _ensure_within_the_law(instance)
    if WorkingTimePolicy.objects.filter(name__iexact=instance.name).exclude(pk=instance.pk).exists():
        raise DomainValidationError(_("A policy with this name exists."), field="name")
    if was_default and not instance.is_default:
        raise DomainValidationError(_("Make another policy the default instead."), field="is_default")
    if instance.is_default:
        # Locked, so two "make this the default" saves at once take turns instead of failing.
        for previous in WorkingTimePolicy.objects.select_for_update().filter(is_default=True).exclude(pk=instance.pk):
            previous.is_default = False
            previous.save(update_fields=["is_default", "updated_at"])  # save(), not update(): auditlog sees it
    instance.save()
    if teams is not None:
        taken = WorkingTimePolicy.teams.through.objects.filter(team__in=teams).exclude(workingtimepolicy=instance)
        if taken.exists():
            raise DomainValidationError(_("A team can follow only one policy."), field="teams")
        instance.teams.set(teams)
    audit_event_record(action="policy_saved", actor=actor, target=instance, data={"enforcement": instance.enforcement})
    return instance
