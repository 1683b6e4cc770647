"""What the two stores of `timeentries.services.bulk` hold and answer."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from timeentries.models import TimeEntry


@dataclass
class StagedEntry:
    """A checked new entry, with the local days and ISO weeks (Mondays) it touches and the
    work it puts on each of those days (`worked_by_day`)."""

    row: int
    entry: TimeEntry
    first_day: date
    last_day: date
    weeks: list[date] = field(default_factory=list)
    pieces: list[tuple[date, timedelta]] = field(default_factory=list)


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
