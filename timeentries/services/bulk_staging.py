"""What the two stores of `timeentries.services.bulk` hold and answer."""

from dataclasses import dataclass, field
from datetime import date, datetime

from timeentries.models import TimeEntry


@dataclass
class StagedEntry:
    """A checked new entry, with the local days and ISO weeks (Mondays) it touches."""

    row: int
    entry: TimeEntry
    first_day: date
    last_day: date
    weeks: list[date] = field(default_factory=list)


@dataclass(frozen=True)
class OtherRow:
    """The new entry another one overlaps: its row, owner and times."""

    row: int
    user_id: int
    start: datetime
    end: datetime
