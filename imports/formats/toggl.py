"""Toggl Track's "Detailed report" CSV export (or an XLSX with the same header in row 1).

Sources: https://support.toggl.com/import-and-export/csv-import/editing-and-uploading-a-csv-file
(Toggl's own import takes "the same format the detailed report CSV export gives out": User,
Email, Client, Project, Task, Description, Billable, Start date, Start time, Duration, Tags),
and the header of real detailed-report exports (UTF-8 with a byte-order mark):
  User, Email, Client, Project, Task, Description, Billable, Start date, Start time,
  End date, End time, Duration, Tags, Amount ()   (the currency goes in the brackets)
with rows such as: …,No,2004-02-28,09:15:41,2004-02-28,09:24:58,00:09:17,,
Dates are ISO (other date formats of the profile are read as for Clockify), times 24-hour
HH:MM:SS in the exporting user's time zone without an offset, durations H:MM:SS (or decimal
hours when the profile's duration format is decimal)."""

from collections.abc import Iterator

from imports.formats.base import SourceRow, Table
from imports.formats.exports import Columns, Layout, read_entries

RECOGNISED_BY = ("email", "project", "start date", "start time", "end date", "end time", "duration")

LAYOUT = Layout(
    texts={
        "email": "email",
        "person": "user",
        "client": "client",
        "project": "project",
        "task": "task",
        "description": "description",
    },
    start=("start date", "start time"),
    end=("end date", "end time"),
    durations=("duration",),
    billable="billable",
)


def matches(header: list[str]) -> bool:
    return Columns(header).has(*RECOGNISED_BY)


def read_rows(table: Table) -> Iterator[SourceRow]:
    return read_entries(table, Columns(table.header), LAYOUT)
