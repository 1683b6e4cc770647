"""Kimai's timesheet export (CSV or XLSX, the default export template).

Source: github.com/kimai/kimai — src/Export/DefaultTemplate.php (the columns), src/Export/
ColumnConverter.php (what each holds), src/Export/Base/CsvRenderer.php with
src/Export/Package/CellFormatter/DateStringFormatter.php and DurationPlainFormatter.php
(CSV cells: date "2019-06-16", from/to "12:00" as H:i, duration "0:06" or decimal "0.11"
when the user exports decimal), and tests/Export/Base/CsvRendererTest.php, which pins the
English and German header rows:
  Date, From, To, Duration, Currency, Price, Internal price, Hourly price, Fixed price,
  Name, User, E-mail, Staff number, Customer, Project, Activity, Description, Billable,
  Tags, Type, category, Account, Project number, VAT-ID, Order number, <meta fields>
  Datum, Von, Bis, Dauer, Währung, Preis, …, Name, Benutzer, E-Mail, Personalnummer, Kunde,
  Projekt, Tätigkeit, Beschreibung, Abrechenbar, Schlagworte, …
Kimai writes a boolean false as an empty cell (CSV) and times in the user's time zone
without an offset, so start and end are naive. The end has a time only: it is on the start's
date, or the next day when it is earlier (an entry past midnight). The XLSX ends with a
totals row (AbstractSpreadsheetRenderer::writeSpreadsheet), skipped by `read_entries`."""

from collections.abc import Iterator
from dataclasses import replace

from imports.formats.base import SourceRow, Table
from imports.formats.exports import Columns, Layout, read_entries

GERMAN = {
    "datum": "date",
    "von": "from",
    "bis": "to",
    "dauer": "duration",
    "benutzer": "user",
    "e-mail": "e-mail",
    "kunde": "customer",
    "projekt": "project",
    "tätigkeit": "activity",
    "beschreibung": "description",
    "abrechenbar": "billable",
}
RECOGNISED_BY = ("date", "from", "to", "duration", "customer", "project", "activity")

LAYOUT = Layout(
    texts={
        "email": "e-mail",
        "person": "name",
        "client": "customer",
        "project": "project",
        "task": "activity",
        "description": "description",
    },
    start=("date", "from"),
    end=("date", "to"),
    durations=("duration",),
    billable="billable",
    end_on_start_day=True,
    billable_when_empty=False,
)


def matches(header: list[str]) -> bool:
    return Columns(header, GERMAN).has(*RECOGNISED_BY)


def read_rows(table: Table) -> Iterator[SourceRow]:
    # Kimai writes numbers with a decimal point whatever the separator (RateFormatter,
    # Duration::formatDecimal), so a `;` file keeps the point.
    return read_entries(replace(table, decimal_mark="."), Columns(table.header, GERMAN), LAYOUT)
