"""The order of a report's rows as a person asked for it (`sort=hours`, `sort=-hours`).

One function sorts the rows of the reports page's table and of every file written from it
(direct download and background export, through `analytics.exports.report_table`), so a
download holds exactly the rows the page showed, in the same order."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from core.errors import DomainValidationError

Column = tuple[str, str, str]


def sort_parse(columns: Sequence[Column], sort: str) -> tuple[str, bool] | None:
    """(column key, descending) of `sort`, or None for the report's own order. A key that
    is not one of the report's columns is a 400 naming `sort`."""
    if not sort:
        return None
    key = sort.removeprefix("-")
    keys = [column[0] for column in columns]
    if key not in keys:
        raise DomainValidationError(
            _("Sort by one of the report's columns: %(columns)s.") % {"columns": ", ".join(keys)}, field="sort"
        )
    return key, sort.startswith("-")


def _blank(value) -> bool:
    return value is None or value == ""


def _order_value(value):
    return value.casefold() if isinstance(value, str) else value


def rows_sorted(columns: Sequence[Column], rows: list[dict], sort: str) -> list[dict]:
    """`rows` in the order `sort` asks for: text without regard to case, numbers and dates
    by value, blank cells last either way (as spreadsheets sort them). Ties keep the
    report's order."""
    parsed = sort_parse(columns, sort)
    if parsed is None:
        return rows
    key, descending = parsed
    filled = [row for row in rows if not _blank(row.get(key))]
    filled.sort(key=lambda row: _order_value(row[key]), reverse=descending)
    return filled + [row for row in rows if _blank(row.get(key))]
