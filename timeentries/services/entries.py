"""Time entries: create, update, delete.

A write makes at most four round trips to the database: the checks of the entry alone
(`entry_checks`, no query), one statement reading what else it must know and locking the
weeks (`write_context`), the row and its audit, and the week's timesheet the first time.
The working time it leaves is judged after the commit (`transactions`)."""

import copy
from datetime import UTC, date, datetime

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from core import periods
from core.audit import audit_event_record, audited_update_save
from core.errors import DomainValidationError, Forbidden
from core.signals import domain_event
from timeentries.models import Project, Task, TimeEntry, Timesheet
from timeentries.services.entry_checks import (
    ENTRY_NEEDS_END,
    _ensure_can_log_to,
    _ensure_employed_then,
    _ensure_has_end,
    _ensure_valid_break,
    _ensure_valid_duration,
    _ensure_valid_interval,
    _new_entry,
    _shape_after,
    day_is_payroll_locked,
    entry_new_checked,
    entry_span,
    in_utc,
    span_of_input,
)
from timeentries.services.refusals import overlap_conflict
from timeentries.services.transactions import (
    OVERLAP_CONSTRAINT,
    RUNNING_CONSTRAINT,
    judge_after_commit,
    saving,
    time_write,
)
from timeentries.services.write_context import (
    WriteContext,
    ensure_days_open,
    ensure_weeks_open,
    write_context_read,
)
from users.models import User
from users.permissions import user_manages

# The names other modules import from here (the checks moved to `entry_checks`).
__all__ = [
    "ENTRY_NEEDS_END",
    "OVERLAP_CONSTRAINT",
    "RUNNING_CONSTRAINT",
    "_ensure_can_log_to",
    "_ensure_valid_interval",
    "_new_entry",
    "_write",
    "day_is_payroll_locked",
    "ensure_days_open",
    "ensure_weeks_open",
    "entry_new_checked",
    "entry_span",
    "in_utc",
    "time_entry_create",
    "time_entry_delete",
    "time_entry_update",
]


def _ensure_no_overlap(*, user: User, start: datetime, end: datetime | None, exclude_pk=None) -> None:
    if connection.vendor == "postgresql":
        return  # the exclusion constraint refuses the write itself; `time_write` answers the same 409
    clash = (
        TimeEntry.objects.overlapping(user_id=user.pk, start=start, end=end, exclude_pk=exclude_pk)
        .select_related("project", "task", "user")
        .first()
    )
    if clash:
        raise overlap_conflict(clash)


def _ensure_can_edit(*, actor: User, entry: TimeEntry) -> None:
    if actor.pk != entry.user_id and not user_manages(actor, entry.user):
        raise Forbidden(_("You can only change your own time entries or your team's."))


def _timesheets_ensure(*, user: User, span, existing: set[date]) -> None:
    """A week has its (open) timesheet as soon as it has an entry, so clients can submit it.
    The write's read found none for these weeks; a concurrent write may make one first."""
    for week_start in periods.weeks_touched(*span, user.tzinfo):
        if week_start not in existing:
            try:
                with transaction.atomic():
                    Timesheet.objects.create(user=user, week_start=week_start)
            except IntegrityError:
                pass  # made by a concurrent write since the read: it is there, as wanted


def _write(entry: TimeEntry, *, spans, context: WriteContext | None = None, old: TimeEntry | None = None) -> TimeEntry:
    """Write `entry` as it now stands: its span must be open (payroll lock, closed months,
    week locks) and free (no overlap, no day over 24 hours); it is saved (with its audit
    row, diffed against `old`, the row as the caller locked it, when given) and its weeks
    get their timesheets. `context` is what the caller read already; read again when it
    does not hold the entry's span. The working time the write leaves on
    `spans` is judged after the commit. A duration entry's span is its whole local day
    (`entry_span`)."""
    span = entry_span(entry)
    _ensure_employed_then(entry, *span)
    if context is None or not context.covers(span, exclude_pk=entry.pk):
        context = write_context_read(user=entry.user, spans=[span], exclude_pk=entry.pk)
    context.ensure_open(span)
    if entry.is_clocked:
        _ensure_no_overlap(user=entry.user, start=span[0], end=span[1], exclude_pk=entry.pk)
    context.ensure_day_not_over_24_hours(entry)
    verb = "created" if entry._state.adding else "updated"
    saving(entry)
    if old is None:
        entry.save()
    else:
        audited_update_save(entry, old=old)
    _timesheets_ensure(user=entry.user, span=span, existing=context.weeks_with_timesheet)
    domain_event.send(sender=TimeEntry, event=f"time_entry.{verb}", instance=entry)
    judge_after_commit(entry=entry, user=entry.user, spans=spans)
    return entry


# --- time entries --------------------------------------------------------------------------


def time_entry_create(
    *,
    actor: User,
    project: Project,
    task: Task | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    day: date | None = None,
    duration=None,
    break_minutes: int = 0,
    description: str = "",
    billable: bool | None = None,
) -> TimeEntry:
    """Log finished work for the actor, of one of two kinds: with `start` and `end` (and
    `break_minutes`) a clocked entry; with `day` and `duration` and no times a duration
    entry. Giving times and a duration, or a break without times, is refused (400 naming
    the field); so is a local day that would hold more than 24 hours of work."""
    with time_write():
        read = {}

        def may_log(*, user, project, task):
            # The one read of the write, done first so the project's teams come with it.
            span = span_of_input(user, start=start, end=end, day=day)
            read["context"] = write_context_read(user=user, spans=[span] if span else [], project=project)
            _ensure_can_log_to(user=user, project=project, task=task, team_may_log=read["context"].team_may_log)

        entry = entry_new_checked(
            user=actor,
            project=project,
            task=task,
            start=start,
            end=end,
            day=day,
            duration=duration,
            break_minutes=break_minutes,
            description=description,
            billable=billable,
            may_log=may_log,
        )
        _write(entry, spans=[entry_span(entry)], context=read["context"])
    return entry


def _span_after(entry: TimeEntry, fields: dict):
    """The span the entry will stand for after the update, when `fields` make a valid one
    (None otherwise: the checks refuse it, or `_write` reads its days again)."""
    try:
        shape = _shape_after(entry, fields)
    except DomainValidationError:
        return None
    if shape["kind"] == TimeEntry.Kind.DURATION:
        return span_of_input(entry.user, day=shape["day"])
    if shape["end"] is None:
        return shape["start"], None
    return span_of_input(entry.user, start=shape["start"], end=shape["end"])


def time_entry_update(*, entry: TimeEntry, actor: User, **fields) -> TimeEntry:
    """Change an entry (the fields of `time_entry_create`); both the days it leaves and the
    days it moves to must be open. A duration entry given `start`/`end` becomes clocked. A
    manager (or admin) changing someone else's entry leaves a business event naming both."""
    with time_write():
        entry = (
            TimeEntry.objects.select_for_update(of=("self",)).select_related("user", "project", "task").get(pk=entry.pk)
        )
        old = copy.copy(entry)
        _ensure_can_edit(actor=actor, entry=entry)
        fields.update({name: in_utc(fields[name]) for name in ("start", "end") if fields.get(name) is not None})
        old_span = entry_span(entry)
        project = fields.get("project") or entry.project
        new_span = _span_after(entry, fields)
        context = write_context_read(
            user=entry.user,
            spans=[old_span] if new_span is None else [old_span, new_span],
            project=project if "project" in fields or "task" in fields else None,
            exclude_pk=entry.pk,
        )
        context.ensure_open(old_span)
        before = _audited_state(entry)
        task = fields.get("task", entry.task if project.pk == entry.project_id else None)
        if "project" in fields or "task" in fields:
            _ensure_can_log_to(user=entry.user, project=project, task=task, team_may_log=context.team_may_log)
        shape = _shape_after(entry, fields)
        if shape["kind"] == TimeEntry.Kind.CLOCKED:
            _ensure_has_end(end=shape["end"], running=entry.is_running)
            _ensure_valid_interval(user=entry.user, start=shape["start"], end=shape["end"])
            _ensure_valid_break(start=shape["start"], end=shape["end"], break_minutes=shape["break_minutes"])
        else:
            _ensure_valid_duration(user=entry.user, day=shape["day"], duration=shape["duration"])
        if fields.get("billable") is not None:
            entry.billable = fields["billable"]
        elif project.pk != entry.project_id:
            entry.billable = project.billable  # a new project brings its own default
        entry.project, entry.task = project, task
        for name, value in shape.items():
            setattr(entry, name, value)
        if "description" in fields and fields["description"] is not None:
            entry.description = fields["description"]
        _write(entry, spans=[old_span, entry_span(entry)], context=context, old=old)
        if actor.pk != entry.user_id:
            after = _audited_state(entry)
            changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
            audit_event_record(action="time_entry_changed", actor=actor, target=entry, data={"changes": changes})
    return entry


def _audited_state(entry: TimeEntry) -> dict:
    """What an audit event about someone else's entry records of it."""
    return {
        "project": entry.project.code,
        "task": entry.task.name if entry.task_id else None,
        "kind": entry.kind,
        "day": entry.day.isoformat() if entry.day else None,
        "start": entry.start.astimezone(UTC).isoformat() if entry.start else None,
        "end": entry.end.astimezone(UTC).isoformat() if entry.end else None,
        "break_minutes": entry.break_minutes,
        "duration": entry.duration.total_seconds() if entry.duration else None,
        "description": entry.description,
        "billable": entry.billable,
    }


def time_entry_delete(*, entry: TimeEntry, actor: User) -> None:
    """Delete an entry in an open week. A manager (or admin) deleting someone else's entry
    leaves a business event naming both, with what the entry was."""
    with time_write():
        entry = (
            TimeEntry.objects.select_for_update(of=("self",)).select_related("user", "project", "task").get(pk=entry.pk)
        )
        _ensure_can_edit(actor=actor, entry=entry)
        span = entry_span(entry)
        write_context_read(user=entry.user, spans=[span], exclude_pk=entry.pk).ensure_open(span)
        if actor.pk != entry.user_id:
            audit_event_record(
                action="time_entry_deleted", actor=actor, target=entry, data={"entry": _audited_state(entry)}
            )
        domain_event.send(sender=TimeEntry, event="time_entry.deleted", instance=entry)
        entry.delete()
        judge_after_commit(entry=None, user=entry.user, spans=[span])
