"""CSV read as a stream: UTF-8 with or without a byte-order mark, `,` or `;` sniffed from the
header line, quoted fields (line breaks inside quotes included), CRLF or LF. The csv module
reads over a text wrapper one record at a time, so a 100,000-row file never sits in memory."""

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from django.utils.translation import gettext as _

from imports.formats.base import ImportFileError, Table

DELIMITERS = (",", ";")


def read_csv(file: BinaryIO) -> Table:
    """The header and a lazy iterator of (row number, cells); blank lines are skipped but counted."""
    stream = _BorrowedText(file, encoding="utf-8-sig", newline="")
    try:
        first_line = stream.readline()
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text: save it as CSV (UTF-8) or XLSX.")) from None
    if not first_line.strip():
        raise ImportFileError(_("The file is empty: the first line must be the header row."))
    delimiter = sniff_delimiter(first_line)
    header = next(csv.reader([first_line], delimiter=delimiter))
    return Table(
        header=header,
        rows=_records(stream, delimiter),
        decimal_mark="," if delimiter == ";" else ".",
    )


class _BorrowedText(io.TextIOWrapper):
    """A text view of the caller's binary file that leaves it open when dropped: the upload
    belongs to the caller (a TextIOWrapper closes what it wraps when it is collected)."""

    def close(self) -> None:
        pass


def sniff_delimiter(line: str) -> str:
    """`;` when the header line holds more semicolons than commas outside quotes, else `,`."""
    unquoted = line.split('"')[::2]
    counts = {delimiter: sum(part.count(delimiter) for part in unquoted) for delimiter in DELIMITERS}
    return ";" if counts[";"] > counts[","] else ","


def _records(stream: _BorrowedText, delimiter: str) -> Iterator[tuple[int, list[object]]]:
    number = 1
    try:
        for cells in csv.reader(stream, delimiter=delimiter):
            number += 1
            if not "".join(cells).strip():
                continue
            yield number, cells
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file stops being UTF-8 text after row %(row)s: save it as CSV (UTF-8) or XLSX.") % {"row": number}
        ) from None
    except csv.Error as error:
        raise ImportFileError(
            _("Row %(row)s is not valid CSV: %(error)s.") % {"row": number + 1, "error": error}
        ) from None
