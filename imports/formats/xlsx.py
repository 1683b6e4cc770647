"""XLSX read as a stream (openpyxl's read-only mode: the first sheet, header in row 1, cells
already typed) and written (the template, with openpyxl's write-only workbook)."""

import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from imports.formats.base import ImportFileError, Table, is_empty

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"


def read_xlsx(file: BinaryIO) -> Table:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or all(is_empty(cell) for cell in header):
        workbook.close()
        raise ImportFileError(_("The first sheet is empty: row 1 must be the header row."))
    width = len(header)
    while width and is_empty(header[width - 1]):
        width -= 1
    return Table(header=[str(cell or "") for cell in header[:width]], rows=_records(workbook, rows))


def _records(workbook, rows: Iterator[tuple]) -> Iterator[tuple[int, list[object]]]:
    try:
        for number, cells in enumerate(rows, start=2):
            if cells and not all(is_empty(cell) for cell in cells):
                yield number, list(cells)
    finally:
        workbook.close()


def write_xlsx(header: Iterable[str], rows: Iterable[Iterable[object]]) -> bytes:
    """A one-sheet workbook: the header, then the rows with their typed values."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
