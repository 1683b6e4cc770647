"""The timer: start and stop. It writes clocked entries: an entry without an end (and
without a duration) while it runs; stopping sets the end, and `TimeEntry.save` the
duration."""

import copy
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainValidationError
from timeentries.models import MAX_ENTRY_LENGTH, Project, Task, TimeEntry
from timeentries.services.entries import _write
from timeentries.services.entry_checks import _ensure_can_log_to, _ensure_valid_interval, _new_entry, in_utc
from timeentries.services.transactions import time_write
from users.models import User

# --- timer ---------------------------------------------------------------------------------


def running_entry_of(user: User) -> TimeEntry | None:
    return TimeEntry.objects.running().filter(user=user).select_related("project", "task").first()


@time_write()
def timer_start(
    *,
    actor: User,
    project: Project,
    task: Task | None = None,
    description: str = "",
    billable: bool | None = None,
    stop_running: bool = True,
) -> TimeEntry:
    """Start the actor's timer now. A running timer is stopped first (its end is now), or,
    with `stop_running=False`, the start is refused with 409."""
    _ensure_can_log_to(user=actor, project=project, task=task)
    now = timezone.now().replace(microsecond=0)
    running = TimeEntry.objects.running().select_for_update().filter(user=actor).first()
    if running is not None:
        if not stop_running:
            raise Conflict(
                _("Timer %(id)s is already running; stop it first.") % {"id": running.pk}, code="timer_running"
            )
        timer_stop(actor=actor)
    entry = _new_entry(actor, project, task, now, None, description, billable)
    return _write(entry, spans=[(now, None)])


@time_write()
def timer_stop(*, actor: User, end: datetime | None = None) -> TimeEntry:
    """Stop the actor's running timer at `end` (default now). A timer that has run for more
    than 24 hours is never silently closed: its end must be given explicitly."""
    running = TimeEntry.objects.running().select_for_update().filter(user=actor).first()
    if running is None:
        raise Conflict(_("No timer is running."), code="no_timer")
    now = timezone.now().replace(microsecond=0)
    end = in_utc(end)
    if end is None:
        if now - running.start > MAX_ENTRY_LENGTH:
            raise DomainValidationError(
                _("This timer has run since %(start)s, more than 24 hours; give its end explicitly.")
                % {"start": running.start.isoformat()},
                field="end",
            )
        end = max(now, running.start + timedelta(seconds=1))
    elif end > now:
        raise DomainValidationError(_("The end cannot be in the future."), field="end")
    _ensure_valid_interval(user=actor, start=running.start, end=end)
    old = copy.copy(running)
    running.end = end
    return _write(running, spans=[(running.start, end)], old=old)
