"""A person's day as the day view fills it: local times read in their time zone (a time the
clocks skip is refused), "same as yesterday" and "standard day".

The quick fills write through `time_entry_create`, all in one transaction: when any entry is
refused (a locked week, an overlap, a day over 24 h) the day stays as it
was.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import dateformat
from django.utils.translation import gettext as _

from core.errors import DomainValidationError
from timeentries.models import Project, Task, TimeEntry
from timeentries.services.entries import time_entry_create
from timeentries.services.transactions import time_write
from users.models import User

# The standard day starts at 08:00 local time.
STANDARD_DAY_START = time(8, 0)
# The breaks the Working Hours Act (ArbZG § 4) asks for by a day's length, longest first:
# more than 9 h of work, 45 minutes; more than 6 h, 30 minutes. A stricter stored policy
# still speaks after the write, through the entry's compliance warnings.
REQUIRED_BREAKS = ((timedelta(hours=9), 45), (timedelta(hours=6), 30))


def day_label(day: date) -> str:
    """ "Tue 3 Nov 2026": how the pages and their messages name a day."""
    return dateformat.format(day, "D j M Y")


def local_moment(day: date, clock: time, tz: ZoneInfo, *, after: datetime | None = None) -> datetime:
    """The instant (UTC) of `clock` on the local `day`. A time the clocks skip (the spring
    change) is refused; a time that happens twice (autumn) is its first occurrence, or its
    second when only that one comes `after` the given instant (an end after the start)."""
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise DomainValidationError(
            _(
                "%(time)s does not exist on %(day)s in %(zone)s: the clocks go forward "
                "that night. Type a time before or after the change."
            )
            % {"time": f"{clock:%H:%M}", "day": day_label(day), "zone": tz.key},
            code="nonexistent_time",
        )
    moment = first.astimezone(UTC)
    if after is not None and moment <= after:
        second = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
        if second > after:
            return second
    return moment


def required_break_minutes(worked: timedelta) -> int:
    """The break a day of `worked` hours needs (`REQUIRED_BREAKS`)."""
    return next((minutes for longer_than, minutes in REQUIRED_BREAKS if worked > longer_than), 0)


def standard_day_hours(user: User) -> timedelta:
    """A person's daily hours: their weekly contract hours over their working days."""
    per_day = Decimal(user.weekly_contract_hours) / len(user.work_days)
    return timedelta(seconds=int(per_day * 3600))


@time_write()
def time_entries_copy_day(*, actor: User, source: date, target: date) -> list[TimeEntry]:
    """Copy the actor's finished entries of `source` onto `target`: clocked ones at the same
    local times (with their breaks), duration ones as durations; all or none."""
    tz = actor.tzinfo
    entries = list(
        TimeEntry.objects.filter(user=actor, day=source, duration__isnull=False)
        .select_related("project", "task")
        .order_by("start", "pk")
    )
    if not entries:
        raise DomainValidationError(
            _("%(day)s has no entries to copy.") % {"day": day_label(source)}, code="nothing_to_copy"
        )
    shift = target - source
    created = []
    for entry in entries:
        same = {
            "actor": actor,
            "project": entry.project,
            "task": entry.task,
            "description": entry.description,
            "billable": entry.billable,
        }
        if entry.is_clocked:
            start_local, end_local = entry.start.astimezone(tz), entry.end.astimezone(tz)
            start = local_moment(start_local.date() + shift, start_local.time(), tz)
            end = local_moment(end_local.date() + shift, end_local.time(), tz, after=start)
            created.append(time_entry_create(**same, start=start, end=end, break_minutes=entry.break_minutes))
        else:
            created.append(time_entry_create(**same, day=target, duration=entry.duration))
    return created


@time_write()
def time_entry_standard_day(*, actor: User, day: date, project: Project, task: Task | None = None) -> TimeEntry:
    """Log the actor's standard day on `day`: from 08:00 for their daily hours, plus the
    break a day that long needs."""
    worked = standard_day_hours(actor)
    if not worked:
        raise DomainValidationError(_("Your contract has no weekly hours, so you have no standard day."), field="work")
    break_minutes = required_break_minutes(worked)
    start = local_moment(day, STANDARD_DAY_START, actor.tzinfo)
    end = start + worked + timedelta(minutes=break_minutes)
    return time_entry_create(actor=actor, project=project, task=task, start=start, end=end, break_minutes=break_minutes)
