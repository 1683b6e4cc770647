"""What the two stores of `timeentries.services.bulk` hold and answer: plain values, no model
instances (an import stages 100,000 of them)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from timeentries.models import TimeEntry

CLOCKED = TimeEntry.Kind.CLOCKED.value


@dataclass(slots=True)
class StagedEntry:
    """A checked new entry as it will be written (`day` and `duration` derived as
    `TimeEntry.save()` derives them), with the local days and ISO weeks (Mondays) it
    touches and the work it puts on each of those days (`worked_by_day`)."""

    row: int
    user_id: int
    project_id: int
    task_id: int | None
    kind: str
    day: date
    start: datetime | None
    end: datetime | None
    break_minutes: int
    duration: timedelta
    description: str
    billable: bool
    first_day: date
    last_day: date
    weeks: list[date]
    pieces: list[tuple[date, timedelta]]

    @property
    def is_clocked(self) -> bool:
        return self.kind == CLOCKED

    def as_entry(self) -> TimeEntry:
        """The unsaved entry (for a bulk_create)."""
        return TimeEntry(
            user_id=self.user_id,
            project_id=self.project_id,
            task_id=self.task_id,
            kind=self.kind,
            day=self.day,
            start=self.start,
            end=self.end,
            break_minutes=self.break_minutes,
            duration=self.duration,
            description=self.description,
            billable=self.billable,
        )


@dataclass(frozen=True)
class OtherRow:
    """The new entry another one overlaps: its row, owner and times."""

    row: int
    user_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class DayWork:
    """The work a set puts on one person's local day, and the set's last row adding to it."""

    user_id: int
    day: date
    worked: timedelta
    row: int
    clocked: bool
    last: timedelta  # what that last row adds
