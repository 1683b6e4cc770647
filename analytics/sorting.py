"""The order of a report's rows as a person asked for it (`sort=hours`, `sort=-hours`).

One function sorts the rows of the reports page's table and of every file written from it
(direct download and background export, through `analytics.exports.report_table`), so a
download holds exactly the rows the page showed, in the same order. A file written a row at
a time sorts with `rows_sorted_stream`, the same order without holding every row."""

import heapq
import pickle
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from itertools import islice

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


# Rows sorted in memory at once by `rows_sorted_stream`; more go to temporary files.
SORT_RUN_ROWS = 10_000


def rows_sorted_stream(columns: Sequence[Column], rows: Iterable[dict], sort: str) -> Iterator[dict]:
    """`rows` in `rows_sorted`'s order, for rows read one at a time: runs of SORT_RUN_ROWS
    are sorted in memory and kept in temporary files, then merged (stably: on a tie the
    earlier run's row comes first), so a sorted export holds a run, not the whole report.
    Without a sort the rows pass through as they come."""
    parsed = sort_parse(columns, sort)
    if parsed is None:
        yield from rows
        return
    key, descending = parsed
    run_rows = SORT_RUN_ROWS

    def order(row: dict):
        return _order_value(row[key])

    rows = iter(rows)
    with ExitStack() as files:
        blanks = files.enter_context(tempfile.TemporaryFile())
        runs: list[Iterator[dict]] = []
        while run := list(islice(rows, run_rows)):
            filled = [row for row in run if not _blank(row.get(key))]
            _spill(blanks, [row for row in run if _blank(row.get(key))])
            filled.sort(key=order, reverse=descending)
            if not runs and len(run) < run_rows:  # the only run: no file needed
                runs.append(iter(filled))
                break
            runs.append(_unspill(_spill(files.enter_context(tempfile.TemporaryFile()), filled)))
        yield from heapq.merge(*runs, key=order, reverse=descending)
        yield from _unspill(blanks)


def _spill(file, rows: list[dict]):
    for row in rows:
        pickle.dump(row, file, protocol=pickle.HIGHEST_PROTOCOL)
    return file


def _unspill(file) -> Iterator[dict]:
    """The rows `_spill` wrote to `file` (a temporary file of this process), in order."""
    file.seek(0)
    while True:
        try:
            yield pickle.load(file)  # noqa: S301 - our own temporary file, written above
        except EOFError:
            return
