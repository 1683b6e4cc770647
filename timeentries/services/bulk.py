"""Many new time entries at once (an import): the set-based twin of `time_entry_create`.

Each entry passes the very rules `time_entry_create` applies to one entry alone
(`entry_new_checked`, and the payroll lock and closed months of its days, read once). What
`_write` then asks of the person's other entries — no submitted or approved week, no overlap
with a stored entry, no day over 24 hours — and what only a set can break (two new entries
overlapping) are asked once for the whole set: on PostgreSQL in SQL over a staging table
the entries are copied into (COPY), elsewhere in Python (`bulk_memory`). The messages are
the one-entry ones; `timeentries/tests/test_bulk.py` holds the two paths to them on both
databases.
"""

from bisect import bisect_left
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from core import periods
from core.errors import DomainError
from timeentries.models import MAX_ENTRY_LENGTH, LockPeriod, TimeEntry
from timeentries.selectors import worked_by_day
from timeentries.services.bulk_memory import MemoryStore
from timeentries.services.bulk_postgres import PostgresStore
from timeentries.services.bulk_staging import CLOCKED, OtherRow, StagedEntry
from timeentries.services.entries import _ensure_can_log_to, day_is_payroll_locked, entry_new_checked
from timeentries.services.refusals import (
    day_over_24_hours_error,
    overlap_conflict,
    payroll_locked_conflict,
    week_locked_conflict,
)
from users.closings import ClosedMonths, month_closed_conflict
from users.models import User

DURATION = TimeEntry.Kind.DURATION.value
MAX_BREAK_MINUTES = 24 * 60  # as `_ensure_valid_break` allows

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
        self.midnights: dict[tuple, datetime] = {}  # (zone, day): the instant the next local day begins
        self.store = PostgresStore() if connection.vendor == "postgresql" else MemoryStore()

    def add(self, *, row: int, user: User, **fields) -> tuple[str, str] | None:
        """Check one new entry of `user` (the fields of `time_entry_create`) on its own and
        keep it; answers (field, message) of the first rule it breaks instead."""
        try:
            staged = self._passing(row, user, fields) or self._checked(row, user, fields)
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
            person = self.people[user.pk] = _Person(user, self.closed)
        return person

    def _passing(self, row: int, user: User, fields: dict) -> StagedEntry | None:
        """The staged entry when it plainly passes every rule `_checked` applies, from the
        values alone (no model instance; a person's today, time zone, employment and
        closed months read once): the common case of an import, about five times cheaper.
        None when anything is doubtful or wrong: `_checked` then decides and words the
        refusal, so every message stays `time_entry_create`'s. It is never more lenient:
        its today is the set's first (a day turning meanwhile only sends rows to `_checked`).
        Long because it walks `entry_new_checked`'s accept conditions in its order, one
        each, so the two can be compared side by side."""
        project, task = fields["project"], fields["task"]
        self._may_log(user=user, project=project, task=task)  # entry_new_checked's first rule
        person = self._person(user)
        start, end, day = fields["start"], fields["end"], fields["day"]
        duration, break_minutes = fields["duration"], fields["break_minutes"]
        if start is not None and end is not None:
            if duration is not None or type(break_minutes) is not int or not 0 <= break_minutes <= MAX_BREAK_MINUTES:
                return None
            start, end = start.astimezone(UTC), end.astimezone(UTC)
            length = end - start
            if not timedelta(0) < length <= MAX_ENTRY_LENGTH or end > person.tomorrow:
                return None
            pause = timedelta(minutes=break_minutes)
            if break_minutes and pause >= length:
                return None
            first = start.astimezone(person.tz).date()
            if day is not None and day != first:
                return None
            # `worked_by_day`'s pieces, to the microsecond: the break spread by the same share.
            share = (length - pause) / length if break_minutes else 1
            midnight = self.midnights.get((person.tz, first))
            if midnight is None:
                midnight = self.midnights[person.tz, first] = periods.local_midnight(
                    first + timedelta(days=1), person.tz
                )
            if end <= midnight:
                pieces = [(first, length * share if break_minutes else length)]
            else:
                pieces = [
                    (piece_day, piece * share if break_minutes else piece)
                    for piece_day, piece in periods.split_by_local_day(start, end, person.tz)
                ]
            kind, last, worked = CLOCKED, pieces[-1][0], length - pause
        elif start is None and end is None:
            if break_minutes or type(day) is not date or type(duration) is not timedelta:
                return None
            if day > person.today or not timedelta(0) < duration <= MAX_ENTRY_LENGTH:
                return None
            kind, first, last, worked, pieces = DURATION, day, day, duration, [(day, duration)]
            break_minutes = 0
        else:
            return None
        if first < person.start or (person.end is not None and last > person.end):
            return None  # not employed then
        if day_is_payroll_locked(first, self.lock_date) or person.closed_between(first, last):
            return None
        billable = fields["billable"]
        week_first, week_last = periods.week_start_of(first), periods.week_start_of(last)
        weeks = [week_first] if week_first == week_last else sorted({periods.week_start_of(d) for d, _ in pieces})
        return StagedEntry(
            row=row,
            user_id=user.pk,
            project_id=project.pk,
            task_id=task.pk if task is not None else None,
            kind=kind,
            day=first,
            start=start,
            end=end,
            break_minutes=break_minutes,
            duration=worked,
            description=fields["description"],
            billable=project.billable if billable is None else billable,
            first_day=first,
            last_day=last,
            weeks=weeks,
            pieces=pieces,
        )

    def _checked(self, row: int, user: User, fields: dict) -> StagedEntry:
        """The entry through `entry_new_checked` itself, then the payroll lock and the
        closed months of its days: the one-entry rules, refusing as they refuse."""
        entry = entry_new_checked(user=user, **fields, may_log=self._may_log)
        tz = user.tzinfo
        if entry.is_clocked:  # what TimeEntry.save() derives, which a bulk insert bypasses
            entry.day = periods.local_date(entry.start, tz)
            entry.duration = entry.worked()
        pieces = list(worked_by_day(entry, tz))
        days = [day for day, _ in pieces]
        first, last = days[0], days[-1]
        if day_is_payroll_locked(first, self.lock_date):
            raise payroll_locked_conflict(first, self.lock_date)
        month = self.closed.first_for(user, first, last)
        if month is not None:
            raise month_closed_conflict(month)
        return StagedEntry(
            row=row,
            user_id=entry.user_id,
            project_id=entry.project_id,
            task_id=entry.task_id,
            kind=entry.kind,
            day=entry.day,
            start=entry.start,
            end=entry.end,
            break_minutes=entry.break_minutes,
            duration=entry.duration,
            description=entry.description,
            billable=entry.billable,
            first_day=first,
            last_day=last,
            weeks=sorted({periods.week_start_of(day) for day in days}),
            pieces=pieces,
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
    """What `EntrySet._passing` asks of one person, read once per set: time zone, today and
    the instant tomorrow begins (as the set began), employment dates and closed months."""

    __slots__ = ("closed", "end", "start", "today", "tomorrow", "tz", "user")

    def __init__(self, user: User, closed: ClosedMonths):
        self.user, self.tz = user, user.tzinfo
        self.today = user.local_today()
        self.tomorrow = periods.local_midnight(self.today + timedelta(days=1), self.tz)
        self.start, self.end = user.employment_start, user.employment_end
        company = closed.by_team.get(None, set())
        team = closed.by_team.get(user.team_id, set()) if user.team_id else set()
        self.closed = sorted(company | team)

    def closed_between(self, first: date, last: date) -> bool:
        """Some closed month's first day lies from `first`'s month to `last` (as
        `ClosedMonths.first_for` finds one)."""
        if not self.closed:
            return False
        at = bisect_left(self.closed, first.replace(day=1))
        return at < len(self.closed) and self.closed[at] <= last


def _overlap_within_message(other: OtherRow, user: User) -> str:
    """The other new entry a row overlaps, as its owner reads it: row and local times."""
    tz = user.tzinfo
    start, end = other.start.astimezone(tz), other.end.astimezone(tz)
    return _("Overlaps row %(row)s (%(start)s–%(end)s).") % {  # noqa: RUF001 - xgettext cannot read \N{EN DASH}
        "row": other.row,
        "start": f"{start:%Y-%m-%d %H:%M}",
        "end": f"{end:%H:%M}",
    }
