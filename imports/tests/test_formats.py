"""Reading import files into canonical rows (issue 18): the template as CSV and XLSX, the
CSV dialects (BOM, `;` with decimal comma, quotes, CRLF), unknown headers and bad cells."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from imports.formats import CANONICAL_FIELDS, KINDS, ImportFileError, read_source, template_file


def read(content: str | bytes, kind: str = "time_entries", filename: str = "entries.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return read_source(io.BytesIO(data), filename=filename, kind=kind)


def rows_of(content: str | bytes, kind: str = "time_entries", filename: str = "entries.csv"):
    return list(read(content, kind, filename).rows)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_each_template_reads_back_its_example_row_without_errors(kind, file_format):
    filename, media_type, content = template_file(kind, file_format)
    source = read(content, kind, filename)

    rows = list(source.rows)

    assert filename == f"{kind}_template.{file_format}"
    assert media_type.startswith("text/csv" if file_format == "csv" else "application/vnd.openxmlformats")
    assert source.format == "template"
    assert [row.number for row in rows] == [2]
    assert rows[0].errors == []
    assert tuple(rows[0].values) == CANONICAL_FIELDS[kind]


def test_the_time_entry_template_example_is_a_naive_morning_with_a_break():
    _, _, content = template_file("time_entries", "xlsx")

    (row,) = rows_of(content, filename="t.xlsx")

    assert row.values["email"] == "ada.lovelace@example.com"
    assert row.values["start"] == datetime(2026, 3, 2, 9, 0)
    assert row.values["end"] == datetime(2026, 3, 2, 12, 30)
    assert row.values["break_minutes"] == 15
    assert row.values["billable"] is True


def test_a_template_csv_with_bom_semicolons_and_decimal_commas_reads_typed_values():
    content = (
        "\ufeffEmail;Project;Day;Duration;Description\r\n"
        'ada@example.com;Website;02.03.2026;1,5;"Call; then notes"\r\n'
        'ada@example.com;Website;2026-03-03;2:45;"two\r\nlines"\r\n'
    )

    first, second = rows_of(content.encode("utf-8"))

    assert (first.number, second.number) == (2, 3)
    assert first.values["day"] == date(2026, 3, 2)
    assert first.values["duration"] == timedelta(hours=1, minutes=30)
    assert first.values["description"] == "Call; then notes"
    assert second.values["duration"] == timedelta(hours=2, minutes=45)
    assert second.values["description"] == "two\r\nlines"
    assert first.errors == second.errors == []


def test_users_template_values_take_their_canonical_types():
    content = (
        "email,first_name,last_name,team,role,time_zone,employment_start,employment_end,weekly_hours,work_days\n"
        'eve@example.com,Eve,Smith,Ops,Manager,America/New_York,2025-02-01,2026-01-31,"32,5","Mon, Tue,Thu"\n'
    )

    (row,) = rows_of(content, kind="users")

    assert row.errors == []
    assert row.values == {
        "email": "eve@example.com",
        "first_name": "Eve",
        "last_name": "Smith",
        "team": "Ops",
        "role": "manager",
        "time_zone": "America/New_York",
        "employment_start": date(2025, 2, 1),
        "employment_end": date(2026, 1, 31),
        "weekly_hours": Decimal("32.5"),
        "work_days": "124",
    }


def test_unknown_header_names_the_template_columns_and_the_tools():
    with pytest.raises(ImportFileError) as caught:
        read("Name,Hours\nAda,3\n", kind="projects")

    message = caught.value.message
    assert caught.value.field == "file"
    assert "client, project, code, task, billable, hourly_rate, teams" in message
    assert "Kimai" in message and "Clockify" in message and "Toggl Track" in message


def test_bad_cells_are_row_errors_naming_the_field_with_the_file_row_number():
    content = (
        "email,project,start,end,break_minutes,billable\n"
        "ada@example.com,Web,2026-03-02 09:00,2026-03-02 10:00,0,yes\n"
        "\n"
        "ada@example.com,Web,2026-03-02 11:00,yesterday,abc,maybe\n"
        ",,2026-03-02 12:00,2026-03-02 13:00,,\n"
    )

    good, bad, empty = rows_of(content)

    assert (good.number, good.errors) == (2, [])
    assert bad.number == 4
    assert [field for field, _ in bad.errors] == ["end", "break_minutes", "billable"]
    assert "yesterday" in dict(bad.errors)["end"]
    assert bad.values["end"] is None
    assert empty.number == 5
    assert [field for field, _ in empty.errors] == ["project", "email"]
