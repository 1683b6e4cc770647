"""Report rows as files, written a row at a time to a file (a temporary one for a download,
the export's for a background export): CSV line by line, xlsx with openpyxl's write-only
workbook. Columns are (key, header, kind) with kind one of text, number, date.

Every export (direct download or background file) is written here, so this is where text
that a spreadsheet would run as a formula is neutralised: a text cell starting with one of
FORMULA_TRIGGERS gets a leading apostrophe (OWASP's advice for CSV injection), and xlsx text
cells are always written as strings, never as formulas. Numbers stay numbers."""

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from typing import BinaryIO

from django.utils.translation import pgettext, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from analytics import reports
from analytics.queries import ReportQuery
from analytics.reports import TIME_GROUPS, ReportRows
from analytics.sorting import rows_sorted, rows_sorted_stream, sort_parse
from core.i18n import CSV_LOCALES
from core.replicas import replica_reads

Column = tuple[str, str, str]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MEDIA_TYPE}

NUMBER_FORMAT = "0.00"
XLSX_MAX_TEXT = 32_767
DATE_FORMAT = "yyyy-mm-dd"
# Per export locale: (number format, date format) of xlsx cells. Excel shows a number's
# separators in the reader's own settings; German files add thousands grouping and dates as
# German spreadsheets write them.
XLSX_FORMATS = {"": (NUMBER_FORMAT, DATE_FORMAT), "en": (NUMBER_FORMAT, DATE_FORMAT), "de": ("#,##0.00", "dd.mm.yyyy")}
WIDTHS = {"text": 28, "number": 14, "date": 12}
GROUP_HEADERS = {
    "user": pgettext_lazy("report column", "User"),
    "team": pgettext_lazy("report column", "Team"),
    "client": pgettext_lazy("report column", "Client"),
    "project": pgettext_lazy("report column", "Project"),
    "task": pgettext_lazy("report column", "Task"),
    "day": pgettext_lazy("report column", "Day"),
    "week": pgettext_lazy("report column", "Week"),
    "month": pgettext_lazy("report column", "Month"),
}


# = + - @ start a formula in Excel, LibreOffice and Google Sheets; a leading tab or carriage
# return is skipped by some of them before they look for one.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """`text` as a spreadsheet shows it literally: prefixed with ' when it could start a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _Echo:
    """A file-like object whose write() hands back what it was given."""

    def write(self, value: str) -> str:
        return value


def rows_to_csv_stream(columns: list[Column], rows: Iterable[dict], *, locale: str = "") -> Iterator[str]:
    """The header line, then one CSV line per row, for a StreamingHttpResponse. The headings
    are translated now: the lines are written after the view returned, in no one's language."""
    return _csv_lines([str(header) for _, header, _ in columns], columns, rows, locale)


def rows_to_csv(columns: list[Column], rows: Iterable[dict], file: BinaryIO, *, locale: str = "") -> int:
    """Write the header line and one CSV line per row to the binary `file` (UTF-8); returns
    the number of data rows written."""
    text = io.TextIOWrapper(file, encoding="utf-8", newline="")
    lines = _csv_lines([str(header) for _, header, _ in columns], columns, rows, locale)
    text.write(next(lines))
    count = 0
    for line in lines:
        text.write(line)
        count += 1
    text.detach()  # flushed; `file` stays open for the caller
    return count


def _csv_lines(header: list[str], columns: list[Column], rows: Iterable[dict], locale: str) -> Iterator[str]:
    delimiter, decimal_mark = CSV_LOCALES[locale]
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([_csv_value(row.get(key), kind, decimal_mark) for key, _, kind in columns])


def _csv_value(value, kind: str, decimal_mark: str = "."):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", decimal_mark)
    if kind == "number" and isinstance(value, str | float):
        return str(value).replace(".", decimal_mark)
    if kind == "text" and isinstance(value, str):
        return spreadsheet_safe(value)
    return value


def _cell_value(value, kind: str):
    if value is None or value == "":
        return None
    if kind == "number":
        return float(value)
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _xlsx_text(value: str) -> str:
    """Text as an xlsx cell can hold it: without the control characters XML 1.0 forbids
    (openpyxl would refuse the whole file), with a formula start neutralised, and at most
    as long as a cell allows (as openpyxl's own setter cuts it)."""
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return spreadsheet_safe(value)[:XLSX_MAX_TEXT]


def _set_value(cell: WriteOnlyCell, value, kind: str) -> None:
    """Fill a cell. Text is stored as a string as it is: openpyxl's value setter would make
    text starting with = a formula and '#N/A' an error, and checks each string again."""
    if kind == "text" and value.__class__ is str and value:
        cell._value, cell.data_type = _xlsx_text(value), "s"
    else:
        cell.value = _cell_value(value, kind)


class _CellRowSheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows are lists of ready WriteOnlyCells.

    The stock append() tries each value as a plain value first and, for a cell, fails with a
    ValueError whose message formats the cell's repr: with typed cells that doubled the cost
    of an export. openpyxl is pinned; the xlsx tests read the styles back."""

    def _values_to_row(self, cells, row_idx):
        for column, cell in enumerate(cells, 1):
            cell.column, cell.row = column, row_idx
            yield cell


def _styled_cell(sheet, kind: str, *, bold: bool = False, locale: str = "") -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    number_format, date_format = XLSX_FORMATS[locale]
    if kind == "number":
        cell.number_format = number_format
    elif kind == "date":
        cell.number_format = date_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def rows_to_xlsx(
    columns: list[Column], rows: Iterable[dict], totals: dict | None, path_or_buffer, *, locale: str = ""
) -> int:
    """Write one sheet: a bold frozen header, typed cells, and a bold totals row when there
    are totals (read after the rows: a streamed report's totals come last). Returns the
    number of data rows written."""
    workbook = Workbook(write_only=True)
    sheet = _CellRowSheet(parent=workbook, title=pgettext("spreadsheet sheet title", "Report"))
    workbook._add_sheet(sheet)
    sheet.freeze_panes = "A2"
    for index, (_, _, kind) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[kind]
    sheet.append([_text(sheet, str(header), bold=True) for _, header, _ in columns])
    # One styled cell per column, refilled for every row: a write-only sheet writes a row out
    # during append(), so reusing the cells is safe, and styling each cell anew (a style
    # lookup per cell) is what made exports slow.
    keys = [key for key, _, _ in columns]
    kinds = [kind for _, _, kind in columns]
    cells = [_styled_cell(sheet, kind, locale=locale) for kind in kinds]
    count = 0
    for row in rows:
        for cell, key, kind in zip(cells, keys, kinds, strict=True):
            _set_value(cell, row.get(key), kind)
        sheet.append(cells)
        count += 1
    if totals:
        cells = []
        for position, (key, _, kind) in enumerate(columns):
            cell = _styled_cell(sheet, kind if key in totals else "text", bold=True, locale=locale)
            if key in totals:
                _set_value(cell, totals[key], kind)
            else:
                cell.value = pgettext("totals row", "Total") if position == 0 else None
            cells.append(cell)
        sheet.append(cells)
    workbook.save(path_or_buffer)
    return count


def _text(sheet, value: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = _styled_cell(sheet, "text", bold=bold)
    cell.value = value
    return cell


# --- which columns each report exports -----------------------------------------------------


def time_report_columns(group_by: list[str]) -> list[Column]:
    columns: list[Column] = []
    for group in group_by:
        if group == "day":
            columns.append(("day", GROUP_HEADERS[group], "date"))
        elif group in TIME_GROUPS:
            columns.append((group, GROUP_HEADERS[group], "text"))
        else:
            columns.append((f"{group}_name", GROUP_HEADERS[group], "text"))
    return [
        *columns,
        ("hours", pgettext_lazy("report column", "Hours"), "number"),
        ("billable_hours", pgettext_lazy("report column", "Billable hours"), "number"),
        ("amount", pgettext_lazy("report column", "Amount"), "number"),
        ("entries", pgettext_lazy("report column", "Entries"), "number"),
    ]


OVERTIME_COLUMNS: list[Column] = [
    ("user_name", pgettext_lazy("report column", "User"), "text"),
    ("period", pgettext_lazy("report column", "Period"), "text"),
    ("period_start", pgettext_lazy("report column", "From"), "date"),
    ("period_end", pgettext_lazy("report column", "To"), "date"),
    ("expected_hours", pgettext_lazy("report column", "Expected hours"), "number"),
    ("actual_hours", pgettext_lazy("report column", "Actual hours"), "number"),
    ("difference", pgettext_lazy("report column", "Difference"), "number"),
    ("balance", pgettext_lazy("report column", "Balance"), "number"),
    # added last: files keep their columns
    ("opening_balance", pgettext_lazy("report column", "Opening balance"), "number"),
]

LEAVE_COLUMNS: list[Column] = [
    ("user_name", pgettext_lazy("report column", "User"), "text"),
    ("type_name", pgettext_lazy("report column", "Leave type"), "text"),
    ("unit", pgettext_lazy("report column", "Unit"), "text"),
    ("entitlement", pgettext_lazy("report column", "Entitlement"), "number"),
    ("taken", pgettext_lazy("report column", "Taken"), "number"),
    ("planned", pgettext_lazy("report column", "Planned"), "number"),
    ("pending", pgettext_lazy("report column", "Pending"), "number"),
    ("left", pgettext_lazy("report column", "Left"), "number"),
    ("statutory_minimum_days", pgettext_lazy("report column", "Statutory minimum (days)"), "number"),
    # added last: files keep their columns
    ("statutory_entitlement", pgettext_lazy("report column", "Statutory entitlement"), "number"),
    ("contractual_entitlement", pgettext_lazy("report column", "Contractual extra"), "number"),
    ("statutory_left", pgettext_lazy("report column", "Statutory left"), "number"),
]


PAYROLL_COLUMNS: list[Column] = [
    ("user_name", pgettext_lazy("report column", "Person"), "text"),
    ("email", pgettext_lazy("report column", "Email"), "text"),
    ("team_name", pgettext_lazy("report column", "Team"), "text"),
    ("month", pgettext_lazy("report column", "Month"), "text"),
    ("employment_start", pgettext_lazy("report column", "Employed from"), "date"),
    ("employment_end", pgettext_lazy("report column", "Employed until"), "date"),
    ("weekly_hours", pgettext_lazy("report column", "Weekly hours"), "number"),
    ("expected_hours", pgettext_lazy("report column", "Expected hours"), "number"),
    ("worked_hours", pgettext_lazy("report column", "Worked hours"), "number"),
    ("overtime_hours", pgettext_lazy("report column", "Overtime of the month"), "number"),
    ("balance_hours", pgettext_lazy("report column", "Account balance at month end"), "number"),
    ("paid_out_hours", pgettext_lazy("report column", "Paid-out hours"), "number"),
    ("vacation_days", pgettext_lazy("report column", "Vacation days"), "number"),
    ("sick_days", pgettext_lazy("report column", "Sick days"), "number"),
    ("unpaid_days", pgettext_lazy("report column", "Unpaid days"), "number"),
    ("other_leave_text", pgettext_lazy("report column", "Other leave (days per type)"), "text"),
    ("public_holidays", pgettext_lazy("report column", "Public holidays"), "number"),
    ("sunday_days_worked", pgettext_lazy("report column", "Days worked on Sundays"), "number"),
    ("holiday_days_worked", pgettext_lazy("report column", "Days worked on holidays"), "number"),
    ("preliminary", pgettext_lazy("report column", "Preliminary"), "text"),
]


REPORT_COLUMNS: dict[str, list[Column]] = {
    "overtime": OVERTIME_COLUMNS,
    "leave": LEAVE_COLUMNS,
    "payroll": PAYROLL_COLUMNS,
}
REPORT_SELECTORS = {
    "time": reports.time_report,
    "overtime": reports.overtime_report,
    "leave": reports.leave_report,
    "payroll": reports.payroll_report,
}


def report_columns(report: str, group_by: list[str] | None = None) -> list[Column]:
    """The columns of `report` (the time report's follow its groupings)."""
    if report == "time":
        return time_report_columns(group_by or [])
    return REPORT_COLUMNS[report]


def _query_columns(query: ReportQuery) -> list[Column]:
    """`query`'s report's columns, once its sort is known to name one of them: a bad sort
    is refused before the report is counted or run."""
    columns = report_columns(query.report, query.params.get("group_by"))
    sort_parse(columns, query.sort)
    return columns


def report_table(query: ReportQuery, *, actor) -> tuple[list[Column], dict]:
    """Run the report `query` asks for: its columns and its result ({"rows", "totals"}),
    the rows in the order `query.sort` asks for (the page's table and every file alike)."""
    columns = _query_columns(query)
    with replica_reads(reader=actor):
        result = REPORT_SELECTORS[query.report](actor=actor, **query.params)
    return columns, {**result, "rows": rows_sorted(columns, result["rows"], query.sort)}


def report_check(query: ReportQuery, *, actor) -> None:
    """Raise now what running `query` for `actor` would refuse for reasons other than its
    size, so a background export is refused when asked for: the payroll's rules (employees,
    another team, an open month) are the report's own, read without building it."""
    if query.report == "payroll":
        reports.payroll_report_check(actor=actor, **query.params)


# Reports with a count cheaper than building them. The leave report has none (a row per
# person and leave type, built in a few queries): a download caps how many rows it writes.
REPORT_ROW_COUNTS = {
    "time": reports.time_report_row_count,
    "overtime": reports.overtime_report_row_count,
    "payroll": reports.payroll_report_row_count,
}


def report_row_count(query: ReportQuery, *, actor, limit: int) -> int | None:
    """How many rows `query`'s report has for `actor`, counted no further than `limit` and
    without building the report; None for a report without such a count. A bad sort is
    refused first, as `report_table` refuses it."""
    _query_columns(query)
    count = REPORT_ROW_COUNTS.get(query.report)
    if count is None:
        return None
    with replica_reads(reader=actor):
        return count(actor=actor, limit=limit, **query.params)


@contextmanager
def report_rows(query: ReportQuery, *, actor) -> Iterator[tuple[list[Column], ReportRows]]:
    """`query`'s columns and report for `actor`, its rows read one at a time in the order
    `report_table` gives them, while the `with` block lasts. The time report streams from
    the database (`reports.time_report_rows`); the per-person reports are built first."""
    columns = _query_columns(query)
    with replica_reads(reader=actor):
        if query.report == "time":
            source = reports.time_report_rows(actor=actor, **query.params)
        else:
            result = REPORT_SELECTORS[query.report](actor=actor, **query.params)
            source = nullcontext(ReportRows(iter(result["rows"]), result["totals"] or {}))
        with source as report:
            yield columns, ReportRows(rows_sorted_stream(columns, report.rows, query.sort), report.totals)


@dataclass(frozen=True)
class WrittenReport:
    """What `report_write` wrote: the file's name and media type, and its data rows."""

    filename: str
    media_type: str
    row_count: int


def report_write(
    query: ReportQuery, *, actor, format: str, file: BinaryIO, locale: str = "", max_rows: int | None = None
) -> WrittenReport:
    """Run `query`'s report for `actor` and write it to the binary `file` as csv or xlsx, a
    row at a time: the one path of the direct download (analytics.downloads) and the
    background export (analytics.services). `locale` ("", "en", "de") sets the CSV's
    separators and the xlsx number formats. With `max_rows`, it stops after max_rows + 1
    rows: a caller refuses such a file as too large."""
    with report_rows(query, actor=actor) as (columns, report):
        rows = report.rows if max_rows is None else islice(report.rows, max_rows + 1)
        if format == "csv":
            count = rows_to_csv(columns, rows, file, locale=locale)
        else:
            count = rows_to_xlsx(columns, rows, report.totals, file, locale=locale)
    return WrittenReport(query.filename(format), MEDIA_TYPES[format], count)
