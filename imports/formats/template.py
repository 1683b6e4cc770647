"""This project's own template: the header is CANONICAL_FIELDS[kind] (columns may come in any
order; optional ones may be left out), one row per object. `template_file` writes it with
one valid example row, as CSV or XLSX."""

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import partial

from django.utils.translation import gettext as _

from imports.formats import values
from imports.formats.base import (
    CANONICAL_FIELDS,
    KINDS,
    REQUIRED_FIELDS,
    ImportFileError,
    Parser,
    SourceRow,
    Table,
    normalise_header,
    parse_cells,
    require,
)
from imports.formats.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE
from imports.formats.xlsx import write_xlsx

ROLES = ("employee", "manager", "admin")
HALVES = ("morning", "afternoon")  # leave.models.LeaveRequest.Half; empty = the whole day
STATUSES = ("approved", "pending")

EXAMPLES: dict[str, tuple[object, ...]] = {
    "users": (
        "ada.lovelace@example.com",
        "Ada",
        "Lovelace",
        "Engineering",
        "employee",
        "Europe/Berlin",
        date(2026, 1, 1),
        None,
        Decimal("40"),
        "12345",
    ),
    "projects": ("Acme GmbH", "Website relaunch", "WEB", "Design", True, Decimal("95.50"), "Engineering|Design"),
    "time_entries": (
        "ada.lovelace@example.com",
        "Ada Lovelace",
        "Acme GmbH",
        "Website relaunch",
        "Design",
        datetime(2026, 3, 2, 9, 0),
        datetime(2026, 3, 2, 12, 30),
        None,
        None,
        15,
        "Wireframes for the start page",
        True,
    ),
    "leave": (
        "ada.lovelace@example.com",
        "Ada Lovelace",
        "vacation",
        date(2026, 7, 6),
        date(2026, 7, 10),
        None,
        "morning",
        "approved",
        "Summer holiday",
    ),
}


def field_parsers(kind: str, decimal_mark: str) -> dict[str, Parser]:
    """The template's parser for each canonical field of `kind`."""
    number = partial(values.decimal, decimal_mark=decimal_mark)
    common = {
        "email": values.text,
        "person": values.text,
        "client": values.text,
        "project": values.text,
        "task": values.text,
        "description": values.text,
        "reason": values.text,
        "billable": values.boolean,
    }
    by_kind: dict[str, dict[str, Parser]] = {
        "users": {
            "first_name": values.text,
            "last_name": values.text,
            "team": values.text,
            "role": values.choice(ROLES),
            "time_zone": values.time_zone,
            "employment_start": values.day,
            "employment_end": values.day,
            "weekly_hours": number,
            "work_days": values.work_days,
        },
        "projects": {"code": values.text, "hourly_rate": number, "teams": values.names},
        "time_entries": {
            "start": values.moment,
            "end": values.moment,
            "day": values.day,
            "duration": partial(values.duration, decimal_mark=decimal_mark),
            "break_minutes": values.integer,
        },
        "leave": {
            "leave_type": values.text,
            "start_date": values.day,
            "end_date": values.day,
            "start_half": values.choice(HALVES),
            "end_half": values.choice(HALVES),
            "status": values.choice(STATUSES),
        },
    }
    return {name: by_kind[kind].get(name) or common[name] for name in CANONICAL_FIELDS[kind]}


def matches(header: list[str], kind: str) -> bool:
    """Every named column is one of the kind's fields, once, and the required ones are there
    (columns with an empty header, as spreadsheets leave them, are ignored)."""
    return not header_problems(header, kind)


def header_problems(header: list[str], kind: str) -> list[str]:
    """What keeps `header` from being the kind's template, for the person fixing the file."""
    names = [name for name in (normalise_header(title) for title in header) if name]
    known = set(CANONICAL_FIELDS[kind])
    unknown = [name for name in names if name not in known]
    twice = sorted({name for name in names if names.count(name) > 1})
    missing = [name for name in REQUIRED_FIELDS[kind] if name not in names]
    problems = []
    if unknown:
        problems.append(
            _("columns not in the %(kind)s template: %(columns)s") % {"kind": kind, "columns": ", ".join(unknown)}
        )
    if twice:
        problems.append(_("columns given twice: %(columns)s") % {"columns": ", ".join(twice)})
    if missing:
        problems.append(_("required columns missing: %(columns)s") % {"columns": ", ".join(missing)})
    return problems


def read_rows(table: Table, kind: str) -> Iterator[SourceRow]:
    names = [normalise_header(title) for title in table.header]
    parsers = field_parsers(kind, table.decimal_mark)
    for number, cells in table.rows:
        named = ((name, cell) for name, cell in zip(names, cells, strict=False) if name)
        row = parse_cells(number, named, parsers)
        row.values = {name: row.values.get(name) for name in CANONICAL_FIELDS[kind]}
        yield require(row, kind)


def template_file(kind: str, format: str = "csv") -> tuple[str, str, bytes]:
    """(filename, media type, bytes) of the template for `kind`: its header and one valid example row."""
    if kind not in KINDS:
        raise ImportFileError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(KINDS)}, field="kind")
    header, example = CANONICAL_FIELDS[kind], EXAMPLES[kind]
    if format == "xlsx":
        return f"{kind}_template.xlsx", XLSX_MEDIA_TYPE, write_xlsx(header, [example])
    if format != "csv":
        raise ImportFileError(_("Choose csv or xlsx."), field="format")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow([_csv_text(value) for value in example])
    # A byte-order mark so Excel opens the UTF-8 file as UTF-8.
    return f"{kind}_template.csv", "text/csv; charset=utf-8", buffer.getvalue().encode("utf-8-sig")


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)
