"""Reading an import file into canonical typed rows (issue 18).

`read_source(file, filename=…, kind=…)` recognises the file by its header row — this
project's template for the kind, or a time-entry export of Kimai, Clockify or Toggl Track —
as CSV (UTF-8 with or without BOM, `,` or `;`, decimal comma or point) or XLSX (first sheet),
and returns a SourceFile whose rows are streamed. A file that cannot be read at all raises
ImportFileError (also while the rows are iterated, for a CSV that stops being UTF-8 or valid
CSV partway); a cell that cannot be parsed is a row error naming the canonical field."""

from typing import BinaryIO

from django.utils.translation import gettext as _

from imports.formats import clockify, kimai, template, toggl
from imports.formats.base import (
    CANONICAL_FIELDS,
    FORMATS,
    KINDS,
    REQUIRED_FIELDS,
    TOOL_NAMES,
    ImportFileError,
    SourceFile,
    SourceRow,
    Table,
    normalise_header,
)
from imports.formats.dialect import read_csv
from imports.formats.template import template_file
from imports.formats.xlsx import ZIP_MAGIC, read_xlsx

__all__ = [
    "CANONICAL_FIELDS",
    "FORMATS",
    "KINDS",
    "REQUIRED_FIELDS",
    "ImportFileError",
    "SourceFile",
    "SourceRow",
    "read_source",
    "template_file",
]

# Each tool's time-entry export; tried after the template, in this order.
TOOLS = {"kimai": kimai, "clockify": clockify, "toggl": toggl}
TOOL_KIND = "time_entries"


def read_source(file: BinaryIO, *, filename: str, kind: str) -> SourceFile:
    """The file's format and its rows for `kind`, read lazily from `file` (left open)."""
    if kind not in KINDS:
        raise ImportFileError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(KINDS)}, field="kind")
    table = _read_table(file, filename)
    if template.matches(table.header, kind):
        return SourceFile(format="template", kind=kind, rows=template.read_rows(table, kind))
    header = [normalise_header(name) for name in table.header]
    for name, tool in TOOLS.items():
        if tool.matches(header):
            if kind != TOOL_KIND:
                raise ImportFileError(
                    _("This is a %(tool)s export of time entries: import it as time_entries.")
                    % {"tool": TOOL_NAMES[name]},
                    field="kind",
                )
            return SourceFile(format=name, kind=kind, rows=tool.read_rows(table))
    raise ImportFileError(_unknown_header_message(table.header, kind))


def _read_table(file: BinaryIO, filename: str) -> Table:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xls":
        raise ImportFileError(_("XLS (Excel 97-2003) cannot be read: save the file as XLSX or CSV (UTF-8)."))
    start = file.read(len(ZIP_MAGIC))
    file.seek(0)
    if start == ZIP_MAGIC or extension == "xlsx":
        return read_xlsx(file)
    return read_csv(file)


def _unknown_header_message(header: list[str], kind: str) -> str:
    tools = ", ".join(TOOL_NAMES.values())
    message = _(
        "The header row is not recognised. A %(kind)s template has the columns %(columns)s "
        "(required: %(required)s); time entries are also read from the detailed CSV/XLSX exports of %(tools)s."
    ) % {
        "kind": kind,
        "columns": ", ".join(CANONICAL_FIELDS[kind]),
        "required": ", ".join(REQUIRED_FIELDS[kind]),
        "tools": tools,
    }
    names = {normalise_header(title) for title in header}
    if names & set(CANONICAL_FIELDS[kind]):  # meant as the template: say what is wrong with it
        problems = "; ".join(template.header_problems(header, kind))
        message += " " + _("This header has %(problems)s.") % {"problems": problems}
    return message
