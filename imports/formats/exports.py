"""What the tools' time-entry exports share: columns found by their header (any order, any
case; columns the import does not use are ignored), the day/month order guessed from the
first rows, and a start or end built from a date column and a time column."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain, islice

from imports.formats import values
from imports.formats.base import CANONICAL_FIELDS, SourceRow, Table, is_empty, normalise_header, require

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
    for number, cells in chain(head, table.rows):
        yield require(_entry(number, cells, columns, layout, order, table.decimal_mark), "time_entries")


def _entry(number: int, cells: list[object], columns: Columns, layout: Layout, order: str, mark: str) -> SourceRow:
    row = SourceRow(number=number, values=dict.fromkeys(CANONICAL_FIELDS["time_entries"]), errors=[])
    for field, column in layout.texts.items():
        raw = columns.cell(cells, column)
        row.values[field] = None if is_empty(raw) else values.text(raw)
    row.values["start"] = _read(row, "start", lambda: _moment(cells, columns, layout.start, order))
    row.values["end"] = _read(row, "end", lambda: _moment(cells, columns, layout.end, order))
    start, end = row.values["start"], row.values["end"]
    if layout.end_on_start_day and start and end and end < start:
        row.values["end"] = end + timedelta(days=1)
    row.values["duration"] = _read(row, "duration", lambda: _duration(cells, columns, layout.durations, mark))
    billable = columns.cell(cells, layout.billable)
    if is_empty(billable):
        row.values["billable"] = layout.billable_when_empty
    else:
        row.values["billable"] = _read(row, "billable", lambda: values.boolean(billable))
    return row


def _read(row: SourceRow, field: str, parse):
    try:
        return parse()
    except ValueError as error:
        row.errors.append((field, str(error)))
        return None


def _moment(cells: list[object], columns: Columns, where: tuple[str, str], order: str) -> datetime | None:
    date_column, time_column = where
    raw_date, raw_time = columns.cell(cells, date_column), columns.cell(cells, time_column)
    if is_empty(raw_date) and is_empty(raw_time):
        return None
    for column, raw in ((date_column, raw_date), (time_column, raw_time)):
        if is_empty(raw):
            raise ValueError(f"{columns.titles.get(column, column)} is empty.")
    try:
        day = values.export_day(raw_date, order)
    except ValueError as error:
        raise ValueError(f"{columns.titles[date_column]}: {error}") from None
    try:
        return datetime.combine(day, values.clock(raw_time))
    except ValueError as error:
        raise ValueError(f"{columns.titles[time_column]}: {error}") from None


def _duration(cells: list[object], columns: Columns, names: tuple[str, ...], mark: str) -> timedelta | None:
    for name in names:
        raw = columns.cell(cells, name)
        if not is_empty(raw):
            try:
                return values.duration(raw, mark)
            except ValueError as error:
                raise ValueError(f"{columns.titles[name]}: {error}") from None
    return None
