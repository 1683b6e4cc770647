"""What the tools' time-entry exports share: columns found by their header (any order, any
case; columns the import does not use are ignored), the day/month order guessed from the
first rows, and a start or end built from a date column and a time column."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain, islice

from django.utils.translation import gettext as _

from imports.formats import values
from imports.formats.base import CANONICAL_FIELDS, SourceRow, Table, is_empty, normalise_header, require

ENTRY_FIELDS = CANONICAL_FIELDS["time_entries"]
# Rows looked at to tell DD/MM from MM/DD; held in memory, so the stream stays bounded.
PEEK_ROWS = 1000


class Columns:
    """A header's columns by normalised name; `aliases` renames (e.g. a translated header)."""

    def __init__(self, header: Iterable[object], aliases: dict[str, str] | None = None):
        self.positions: dict[str, int] = {}
        self.titles: dict[str, str] = {}
        for position, title in enumerate(header):
            name = normalise_header(title)
            name = (aliases or {}).get(name, name)
            if name not in self.positions:
                self.positions[name], self.titles[name] = position, str(title).strip()

    def has(self, *names: str) -> bool:
        return all(name in self.positions for name in names)

    def cell(self, cells: list[object], name: str) -> object | None:
        position = self.positions.get(name)
        return cells[position] if position is not None and position < len(cells) else None


@dataclass(frozen=True)
class Layout:
    """Where a tool's export keeps each canonical field (normalised column names)."""

    texts: dict[str, str]  # canonical text field -> column
    start: tuple[str, str]  # (date column, time column)
    end: tuple[str, str]
    durations: tuple[str, ...]  # the first non-empty one is read
    billable: str
    end_on_start_day: bool = False  # the end has a time only: on the start's date, or the next if earlier
    billable_when_empty: bool | None = None  # what an empty billable cell says (None: not said)


def read_entries(table: Table, columns: Columns, layout: Layout) -> Iterator[SourceRow]:
    """The export's rows as canonical time entries, streamed."""
    head = list(islice(table.rows, PEEK_ROWS))
    order = values.date_order(columns.cell(cells, layout.start[0]) for _, cells in head)
    reader = _EntryReader(columns, layout, order, table.decimal_mark)
    for number, cells in chain(head, table.rows):
        if not reader.is_totals(cells):
            yield require(reader.entry(number, cells), "time_entries")


class _EntryReader:
    """One file's rows to canonical entries, its columns' positions looked up once (a file
    may hold 100,000 rows). A column the file lacks reads as the padding cell past its end."""

    def __init__(self, columns: Columns, layout: Layout, order: str, mark: str):
        self.width = max(columns.positions.values(), default=-1) + 1
        self.titles = {position: columns.titles[name] for name, position in columns.positions.items()}
        self.texts = [(field, self._at(columns, column)) for field, column in layout.texts.items()]
        self.start = (self._at(columns, layout.start[0]), self._at(columns, layout.start[1]))
        self.end = (self._at(columns, layout.end[0]), self._at(columns, layout.end[1]))
        self.durations = [self._at(columns, name) for name in layout.durations]
        self.billable = self._at(columns, layout.billable)
        self.layout, self.order, self.mark = layout, order, mark
        self.identifying = [position for _, position in self.texts] + [*self.start, *self.end]

    def is_totals(self, cells: list[object]) -> bool:
        """A sums row, as Kimai's XLSX ends with (SUBTOTAL formulas under Duration and the
        prices): no person, project, text, date or time, so nothing to import."""
        return all(position >= len(cells) or is_empty(cells[position]) for position in self.identifying)

    def _at(self, columns: Columns, name: str) -> int:
        return columns.positions.get(name, self.width)

    def entry(self, number: int, cells: list[object]) -> SourceRow:
        if len(cells) <= self.width:
            cells = [*cells, *([None] * (self.width + 1 - len(cells)))]
        row = SourceRow(number=number, values=dict.fromkeys(ENTRY_FIELDS), errors=[])
        for field, position in self.texts:
            raw = cells[position]
            row.values[field] = None if is_empty(raw) else values.text(raw)
        start = row.values["start"] = self._moment(row, "start", cells, self.start)
        end = row.values["end"] = self._moment(row, "end", cells, self.end)
        if self.layout.end_on_start_day and start and end and end < start:
            row.values["end"] = end + timedelta(days=1)
        row.values["duration"] = self._duration(row, cells)
        row.values["billable"] = self._billable(row, cells[self.billable])
        return row

    def _moment(self, row: SourceRow, field: str, cells: list[object], where: tuple[int, int]) -> datetime | None:
        date_at, time_at = where
        raw_date, raw_time = cells[date_at], cells[time_at]
        if is_empty(raw_date) and is_empty(raw_time):
            return None
        try:
            day = self._parse(date_at, raw_date, lambda raw: values.export_day(raw, self.order))
            return datetime.combine(day, self._parse(time_at, raw_time, values.clock))
        except ValueError as error:
            row.errors.append((field, str(error)))
            return None

    def _parse(self, position: int, raw: object, parse):
        """`parse(raw)`; its error, or an empty cell, named by the column's title."""
        title = self.titles.get(position) or _("A column")
        if is_empty(raw):
            raise ValueError(_("%(column)s is empty.") % {"column": title})
        try:
            return parse(raw)
        except ValueError as error:
            raise ValueError(f"{title}: {error}") from None

    def _duration(self, row: SourceRow, cells: list[object]) -> timedelta | None:
        for position in self.durations:
            raw = cells[position]
            if is_empty(raw):
                continue
            try:
                return values.duration(raw, self.mark)
            except ValueError as error:
                row.errors.append(("duration", f"{self.titles[position]}: {error}"))
                return None
        return None

    def _billable(self, row: SourceRow, raw: object) -> bool | None:
        if is_empty(raw):
            return self.layout.billable_when_empty
        try:
            return values.boolean(raw)
        except ValueError as error:
            row.errors.append(("billable", str(error)))
            return None
