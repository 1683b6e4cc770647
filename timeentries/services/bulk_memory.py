"""The Python store of `timeentries.services.bulk` (SQLite, development): the entries stay in
memory and the checks between them and with stored entries run in Python, with one query
per kind of check. `bulk_postgres` answers the same in SQL."""

from bisect import bisect_left
from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Q

from timeentries.models import MAX_ENTRY_LENGTH, TimeEntry, Timesheet
from timeentries.services.bulk_staging import DayWork, OtherRow, StagedEntry


class MemoryStore:
    def __init__(self):
        self.staged: list[StagedEntry] = []

    def add(self, staged: StagedEntry) -> None:
        self.staged.append(staged)

    def flush(self) -> None:
        """Everything is in memory already."""

    def close(self) -> None:
        self.staged = []

    def _clocked(self) -> list[StagedEntry]:
        return [staged for staged in self.staged if staged.is_clocked]

    def locked_weeks(self):
        """(row, kind, timesheet) of each entry touching a submitted or approved week."""
        if not self.staged:
            return
        weeks = [week for staged in self.staged for week in staged.weeks]
        locked = Timesheet.objects.filter(
            user_id__in={staged.user_id for staged in self.staged},
            week_start__range=(min(weeks), max(weeks)),
            status__in=(Timesheet.Status.SUBMITTED, Timesheet.Status.APPROVED),
        )
        by_week = {(timesheet.user_id, timesheet.week_start): timesheet for timesheet in locked}
        for staged in sorted(self.staged, key=lambda staged: staged.row):
            for week in staged.weeks:
                timesheet = by_week.get((staged.user_id, week))
                if timesheet is not None:
                    yield staged.row, staged.kind, timesheet
                    break

    def overlaps_stored(self):
        """(row, stored entry) for each clocked entry overlapping a stored clocked entry: the
        one starting first."""
        clocked = self._clocked()
        if not clocked:
            return
        low = min(staged.start for staged in clocked) - MAX_ENTRY_LENGTH
        high = max(staged.end for staged in clocked)
        stored = (
            TimeEntry.objects.clocked()
            .filter(Q(end__isnull=True) | Q(end__gt=low), start__lt=high)
            .filter(user_id__in={staged.user_id for staged in clocked})
            .select_related("project", "task", "user")
            .order_by("start", "pk")
        )
        by_user = defaultdict(list)
        for entry in stored:
            by_user[entry.user_id].append(entry)
        starts = {user_id: [entry.start for entry in entries] for user_id, entries in by_user.items()}
        for staged in sorted(clocked, key=lambda staged: staged.row):
            entries = by_user.get(staged.user_id, [])
            before_end = entries[: bisect_left(starts.get(staged.user_id, []), staged.end)]
            clash = next((entry for entry in before_end if entry.end is None or entry.end > staged.start), None)
            if clash is not None:
                yield staged.row, clash

    def overlaps_within(self):
        """(row, other) for each clocked entry starting before an earlier one (in start
        order) ends; the other is the earlier entry reaching furthest."""
        by_user = defaultdict(list)
        for staged in self._clocked():
            by_user[staged.user_id].append(staged)
        found = []
        for entries in by_user.values():
            reach = None
            for staged in sorted(entries, key=lambda staged: (staged.start, staged.row)):
                if reach is not None and staged.start < reach.end:
                    other = OtherRow(reach.row, reach.user_id, reach.start, reach.end)
                    found.append((staged.row, other))
                if reach is None or staged.end > reach.end:
                    reach = staged
        return sorted(found, key=lambda pair: pair[0])

    def day_totals(self, beyond=None):
        """Per person and local day the set works, its `DayWork` (all, or those over `beyond`)."""
        days: dict[tuple[int, date], DayWork] = {}
        for staged in sorted(self.staged, key=_row):
            for day, worked in staged.pieces:
                key = (staged.user_id, day)
                before = days[key].worked if key in days else timedelta(0)
                days[key] = DayWork(key[0], day, before + worked, staged.row, staged.is_clocked, worked)
        for key in sorted(days):
            if beyond is None or days[key].worked > beyond:
                yield days[key]

    def insert(self, created) -> None:
        """bulk_create the entries (`day` and `duration` are set by the set) and the open
        timesheets their weeks lack."""
        entries = TimeEntry.objects.bulk_create([staged.as_entry() for staged in sorted(self.staged, key=_row)])
        weeks = {(staged.user_id, week) for staged in self.staged for week in staged.weeks}
        Timesheet.objects.bulk_create(
            [Timesheet(user_id=user_id, week_start=week) for user_id, week in sorted(weeks)], ignore_conflicts=True
        )
        created([entry.pk for entry in entries])


def _row(staged: StagedEntry) -> int:
    return staged.row
