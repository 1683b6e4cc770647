"""Clockify's "Detailed report" CSV export (or an XLSX with the same header in row 1).

Sources: https://clockify.me/help/track-time-and-expenses/import-timesheets (its example
file is "the CSV of the Detailed report"; dates, times and durations follow the exporting
account's settings: date format DD/MM/YYYY, MM/DD/YYYY, … , 12- or 24-hour times such as
"9:00 AM", durations hh:mm:ss, h:mm or h.hh), https://clockify.me/help/track-time-and-expenses/duration-format,
https://clockify.me/help/users/time-zones (reports show times in the viewer's profile time
zone, without an offset), and a published export
(https://gist.github.com/mdnurahmed/cd65d2d141f3b29d0fe1a47f130a5484). The header row:
  Project, Client, Description, Task, User, Group, Email, Tags, Billable, Start Date,
  Start Time, End Date, End Time, Duration (h), Duration (decimal), Billable Rate (USD),
  Billable Amount (USD)   (the currency follows the workspace; Group only with user groups)
Rows look like: …,Yes,01/07/2021,01:26:00 PM,01/07/2021,02:43:00 PM,01:17:00,1.28,…"""

from collections.abc import Iterator

from imports.formats.base import SourceRow, Table
from imports.formats.exports import Columns, Layout, read_entries

RECOGNISED_BY = ("project", "description", "start date", "start time", "end date", "end time")
DURATIONS = ("duration (h)", "duration (decimal)")

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
    # "Duration (h)" is exact; "Duration (decimal)" is rounded to 0.01 h.
    durations=DURATIONS,
    billable="billable",
)


def matches(header: list[str]) -> bool:
    columns = Columns(header)
    return columns.has(*RECOGNISED_BY) and any(columns.has(name) for name in DURATIONS)


def read_rows(table: Table) -> Iterator[SourceRow]:
    return read_entries(table, Columns(table.header), LAYOUT)
