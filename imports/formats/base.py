"""The shapes every reader shares: the canonical fields per kind, a row as read, the file as
a whole, and the one error that makes a file unusable. Readers only parse; whether a person
or project exists, or rows overlap, is the import engine's question."""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

KINDS = ("users", "projects", "time_entries", "leave")

# Per kind, in the template's column order; the template's headers are these names.
CANONICAL_FIELDS: dict[str, tuple[str, ...]] = {
    "users": (
        "email",
        "first_name",
        "last_name",
        "team",
        "role",
        "time_zone",
        "employment_start",
        "employment_end",
        "weekly_hours",
        "work_days",
    ),
    "projects": ("client", "project", "code", "task", "billable", "hourly_rate", "teams"),
    "time_entries": (
        "email",
        "person",
        "client",
        "project",
        "task",
        "start",
        "end",
        "day",
        "duration",
        "break_minutes",
        "description",
        "billable",
    ),
    "leave": ("email", "person", "leave_type", "start_date", "end_date", "start_half", "end_half", "status", "reason"),
}

# Fields a row cannot do without, whichever file it came from.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "users": ("email",),
    "projects": ("project",),
    "time_entries": ("project",),
    "leave": ("leave_type", "start_date", "end_date"),
}

# Kinds whose rows belong to a person, named by email or (tools exporting names only) full name.
PERSON_KINDS = ("time_entries", "leave")

FORMATS = ("template", "kimai", "clockify", "toggl")
TOOL_NAMES = {"kimai": "Kimai", "clockify": "Clockify", "toggl": "Toggl Track"}


class ImportFileError(Exception):
    """The file as a whole is unusable: not CSV/XLSX, not UTF-8, empty, or an unknown header."""

    def __init__(self, message: str, *, field: str = "file"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class SourceRow:
    number: int  # as in the file: header = 1, first data row = 2
    values: dict[str, object]  # canonical field -> typed value, or None when empty
    errors: list[tuple[str, str]] = field(default_factory=list)  # (canonical field, message)


@dataclass
class SourceFile:
    format: str  # one of FORMATS
    kind: str
    rows: Iterator[SourceRow]  # streamed: memory stays flat for 100,000 rows


@dataclass
class Table:
    """A file's header and its data rows as raw cells (str from CSV; typed or str from XLSX).
    `decimal_mark` is the file's usual one: "," for a `;`-separated CSV, else "."."""

    header: list[str]
    rows: Iterator[tuple[int, list[object]]]  # (row number, cells)
    decimal_mark: str = "."


def normalise_header(name: object) -> str:
    """A header cell compared without case or surrounding/doubled whitespace."""
    return re.sub(r"\s+", " ", str(name or "")).strip().lower()


Parser = Callable[[object], object]


def is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_cells(number: int, raw: Iterable[tuple[str, object]], parsers: dict[str, Parser]) -> SourceRow:
    """A row from (canonical field, raw cell) pairs: each non-empty cell through its field's
    parser; a ValueError becomes a row error naming the field, its value None."""
    values: dict[str, object] = {}
    errors: list[tuple[str, str]] = []
    for name, cell in raw:
        if cell is None or (isinstance(cell, str) and not cell.strip()):  # `is_empty`, inlined: called per cell
            values[name] = None
            continue
        try:
            values[name] = parsers[name](cell)
        except ValueError as error:
            values[name] = None
            errors.append((name, str(error)))
    return SourceRow(number=number, values=values, errors=errors)


def require(row: SourceRow, kind: str) -> SourceRow:
    """Adds "required" errors for the kind's required fields left empty (and not already in error)."""
    named = {name for name, _message in row.errors}
    for name in REQUIRED_FIELDS[kind]:
        if row.values.get(name) is None and name not in named:
            row.errors.append((name, _("This field is required.")))
    unnamed = row.values.get("email") is None and row.values.get("person") is None
    if kind in PERSON_KINDS and unnamed and not named & {"email", "person"}:
        row.errors.append(("email", _("Name the person: an email or a full name (person).")))
    return row
