"""Many new time entries at once (an import): the set-based twin of `time_entry_create`.

Each entry passes the very rules `time_entry_create` applies to one entry alone
(`entry_shape`, as `entry_new_checked` applies it, and the payroll lock and closed months
of its days, read once). What `_write` then asks of the person's other entries — no
submitted or approved week, no overlap with a stored entry, no day over 24 hours — and
what only a set can break (two new entries overlapping) are asked once for the whole set:
on PostgreSQL in SQL over a staging table the entries are copied into (COPY), elsewhere in
Python (`bulk_memory`). The messages are the one-entry ones;
`imports/tests/test_import_rules.py` holds the two paths to them.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from core import periods
from core.errors import DomainError
from timeentries.models import MAX_ENTRY_LENGTH, LockPeriod, TimeEntry
from timeentries.selectors import worked_by_day
from timeentries.services.bulk_memory import MemoryStore
from timeentries.services.bulk_postgres import PostgresStore
from timeentries.services.bulk_staging import OtherRow, StagedEntry
from timeentries.services.entry_checks import (
    EntryShape,
    Refusal,
    _ensure_can_log_to,
    day_is_payroll_locked,
    ensure_employed_over,
    entry_billable,
    entry_shape,
    tomorrow_of,
)
from timeentries.services.refusals import (
    day_over_24_hours_error,
    overlap_conflict,
    payroll_locked_conflict,
    week_locked_conflict,
)
from users.closings import ClosedMonths, month_closed_conflict
from users.models import User

# (row, field, message): a row is the caller's number for an entry (a file's row number).
Problem = tuple[int, str, str]


class EntrySet:
    """New entries of many people, checked together and written in one go.

    `add()` each entry (it answers the entry's own problem at once), then `check()` for the
    problems between entries and with what is stored, then — only when nothing was found,
    inside the caller's transaction — `insert()`. `close()` drops the staging table."""

    def __init__(self):
        self.lock_date = LockPeriod.current_lock_date()
        self.closed = ClosedMonths()
        self.users: dict[int, User] = {}
        self.first_day: date | None = None
        self.last_day: date | None = None
        self.count = 0
        self.may_log: dict[tuple, DomainError | None] = {}
        self.people: dict[int, _Person] = {}
        self.store = PostgresStore() if connection.vendor == "postgresql" else MemoryStore()

    def add(self, *, row: int, user: User, **fields) -> tuple[str, str] | None:
        """Check one new entry of `user` (the fields of `time_entry_create`) on its own and
        keep it; answers (field, message) of the first rule it breaks instead."""
        try:
            staged = self._staged(row, user, fields)
        except DomainError as error:
            # A lock names no field: the entry's time does, its start or its day.
            return error.field or ("start" if fields.get("start") else "day"), error.detail
        self.users[user.pk] = user
        self.first_day = min(self.first_day or staged.first_day, staged.first_day)
        self.last_day = max(self.last_day or staged.last_day, staged.last_day)
        self.store.add(staged)
        self.count += 1
        return None

    def _may_log(self, *, user: User, project, task) -> None:
        """`_ensure_can_log_to`, asked once per team, project and task."""
        key = (user.team_id, project.pk, task.pk if task else None)
        if key not in self.may_log:
            try:
                _ensure_can_log_to(user=user, project=project, task=task)
                self.may_log[key] = None
            except DomainError as error:
                self.may_log[key] = error
        if self.may_log[key] is not None:
            raise self.may_log[key]

    def _person(self, user: User) -> "_Person":
        person = self.people.get(user.pk)
        if person is None or person.user is not user:
            person = self.people[user.pk] = _Person(user)
        return person

    def _staged(self, row: int, user: User, fields: dict) -> StagedEntry:
        """The entry as it will be written, when it breaks none of `time_entry_create`'s
        rules about it alone (`entry_shape`, as `entry_new_checked` applies them, from the
        values: no model instance) nor the payroll lock or a closed month of its days;
        raises the refusal `time_entry_create` would give otherwise. A person's today is
        read once per set; a row it refuses is asked again with today as it now is (a day
        turning during the import lets it through, as the API would)."""
        project, task = fields["project"], fields["task"]
        self._may_log(user=user, project=project, task=task)  # entry_new_checked's first rule
        person = self._person(user)
        shape = person.shape(fields)
        if isinstance(shape, Refusal):
            shape = _Person(user).shape(fields)
            if isinstance(shape, Refusal):
                raise shape.error()
        ensure_employed_over(user, shape)
        first, last = shape.day, shape.last_day
        if day_is_payroll_locked(first, self.lock_date):
            raise payroll_locked_conflict(first, self.lock_date)
        month = self.closed.first_for(user, first, last)
        if month is not None:
            raise month_closed_conflict(month)
        week_first, week_last = periods.week_start_of(first), periods.week_start_of(last)
        if week_first == week_last:
            weeks = [week_first]
        else:
            weeks = sorted({periods.week_start_of(day) for day, _ in shape.pieces})
        return StagedEntry(
            row=row,
            user_id=user.pk,
            project_id=project.pk,
            task_id=task.pk if task is not None else None,
            kind=shape.kind,
            day=first,
            start=shape.start,
            end=shape.end,
            break_minutes=shape.break_minutes,
            duration=shape.worked,
            description=fields["description"],
            billable=entry_billable(project, fields["billable"]),
            first_day=first,
            last_day=last,
            weeks=weeks,
            pieces=shape.pieces,
        )

    def check(self) -> list[Problem]:
        """The problems between the entries and with stored ones, at most one per row (the
        first rule broken, in `_write`'s order), by row."""
        self.store.flush()
        found: dict[int, tuple[str, str]] = {}
        for row, kind, timesheet in self.store.locked_weeks():
            found.setdefault(
                row, ("start" if kind == TimeEntry.Kind.CLOCKED else "day", week_locked_conflict(timesheet).detail)
            )
        for row, clash in self.store.overlaps_stored():
            found.setdefault(row, ("start", f"{overlap_conflict(clash).detail.removesuffix('.')} (entry {clash.pk})."))
        for row, other in self.store.overlaps_within():
            found.setdefault(row, ("start", _overlap_within_message(other, self.users[other.user_id])))
        for row, problem in self._days_over_24_hours():
            found.setdefault(row, problem)
        return sorted((row, field_name, message) for row, (field_name, message) in found.items())

    def _days_over_24_hours(self):
        """Each local day the set and the stored entries fill beyond 24 hours, reported on the
        set's last row adding to it (as the entry written last would be refused)."""
        stored = self._stored_day_work()
        for day_work in self.store.day_totals(beyond=None if stored else MAX_ENTRY_LENGTH):
            total = day_work.worked + stored.get((day_work.user_id, day_work.day), timedelta(0))
            if total > MAX_ENTRY_LENGTH:
                entry = TimeEntry(kind=TimeEntry.Kind.CLOCKED if day_work.clocked else TimeEntry.Kind.DURATION)
                error = day_over_24_hours_error(entry, day_work.day, total=total, logged=total - day_work.last)
                yield day_work.row, (error.field, error.detail)

    def _stored_day_work(self) -> dict[tuple[int, date], timedelta]:
        """Work already stored on the days the set touches (`day_worked` for many people)."""
        if not self.users:
            return {}
        first, last = self.first_day - timedelta(days=1), self.last_day + timedelta(days=1)
        clocked = Q(kind=TimeEntry.Kind.CLOCKED, day__range=(first - timedelta(days=1), last))
        stored = TimeEntry.objects.filter(
            Q(kind=TimeEntry.Kind.DURATION, day__range=(first, last)) | clocked, user_id__in=list(self.users)
        )
        totals: dict[tuple[int, date], timedelta] = defaultdict(timedelta)
        for entry in stored.iterator(chunk_size=5000):
            entry.user = self.users[entry.user_id]
            for day, worked in worked_by_day(entry, entry.user.tzinfo):
                totals[(entry.user_id, day)] += worked
        return totals

    def insert(self, created) -> None:
        """Write the entries and the open timesheets of their weeks, handing the new ids to
        `created(ids)` a batch at a time."""
        self.store.insert(created)

    def close(self) -> None:
        self.store.close()


class _Person:
    """What `EntrySet._staged` asks of one person, read once per set: time zone, today and
    the instant tomorrow begins."""

    __slots__ = ("today", "tomorrow", "tz", "user")

    def __init__(self, user: User):
        self.user, self.tz = user, user.tzinfo
        self.today = user.local_today()
        self.tomorrow = tomorrow_of(user, self.today)

    def shape(self, fields: dict) -> EntryShape | Refusal:
        return entry_shape(
            tz=self.tz,
            today=self.today,
            tomorrow=self.tomorrow,
            start=fields["start"],
            end=fields["end"],
            day=fields["day"],
            duration=fields["duration"],
            break_minutes=fields["break_minutes"],
        )


def _overlap_within_message(other: OtherRow, user: User) -> str:
    """The other new entry a row overlaps, as its owner reads it: row and local times."""
    tz = user.tzinfo
    start, end = other.start.astimezone(tz), other.end.astimezone(tz)
    return _("Overlaps row %(row)s (%(start)s–%(end)s).") % {  # noqa: RUF001 - xgettext cannot read \N{EN DASH}
        "row": other.row,
        "start": f"{start:%Y-%m-%d %H:%M}",
        "end": f"{end:%H:%M}",
    }
