"""Reading import files into canonical rows (issue 18): the template as CSV and XLSX, the
CSV dialects (BOM, `;` with decimal comma, quotes, CRLF), unknown headers and bad cells."""

import io
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import Workbook

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


def test_a_100000_row_csv_is_streamed_row_by_row_with_flat_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write("email,project,start,end,description\n")
        for number in range(100_000):
            file.write(
                f"p{number % 500}@example.com,Project {number % 40},2026-03-02 09:00,2026-03-02 10:30,n{number}\n"
            )

    tracemalloc.start()
    try:
        with path.open("rb") as file:
            source = read_source(file, filename="big.csv", kind="time_entries")
            assert iter(source.rows) is source.rows  # an iterator, not a list
            count = last = 0
            for row in source.rows:
                count, last = count + 1, row
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert count == 100_000
    assert (last.number, last.errors, last.values["description"]) == (100_001, [], "n99999")
    # The file is about 7 MB; holding it (or its rows) would take many times the 2 MB allowed.
    assert path.stat().st_size > 6_500_000
    assert peak < 2_000_000


def test_an_xlsx_template_reads_typed_and_text_cells_in_any_column_order_skipping_empty_rows():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([" Hourly_Rate ", "PROJECT", "teams", "billable"])
    sheet.append([95.5, "Website relaunch", "Engineering | Design", True])
    sheet.append([None, None, None, None])
    sheet.append(["120", "Support", None, "no"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    first, second = rows_of(buffer.getvalue(), kind="projects", filename="projects.xlsx")

    assert (first.number, second.number) == (2, 4)
    assert first.values == {
        "hourly_rate": Decimal("95.5"),
        "project": "Website relaunch",
        "teams": ["Engineering", "Design"],
        "billable": True,
        "client": None,
        "code": None,
        "task": None,
    }
    assert (second.values["hourly_rate"], second.values["billable"], second.values["teams"]) == (
        Decimal("120"),
        False,
        None,
    )
    assert first.errors == second.errors == []


def test_numbers_take_either_decimal_mark_where_unambiguous():
    content = "project;hourly_rate\nA;1.234,50\nB;95,5\nC;95.5\nD;1,234.5\nE;1.000\nF;12abc\n"

    rows = rows_of(content, kind="projects")

    rates = [row.values["hourly_rate"] for row in rows]
    assert rates == [Decimal("1234.50"), Decimal("95.5"), Decimal("95.5"), Decimal("1234.5"), Decimal("1000"), None]
    assert rows[-1].errors == [("hourly_rate", "“12abc” is not a number.")]


def test_leave_rows_read_halves_status_and_dates_and_name_bad_choices():
    content = (
        "email,leave_type,start_date,end_date,start_half,end_half,status,reason\n"
        "ada@example.com,vacation,2026-07-06,10.07.2026,afternoon,,Pending,Trip\n"
        "ada@example.com,vacation,2026-07-13,2026-07-14,evening,,granted,\n"
    )

    good, bad = rows_of(content, kind="leave")

    assert good.errors == []
    assert good.values == {
        "email": "ada@example.com",
        "person": None,
        "leave_type": "vacation",
        "start_date": date(2026, 7, 6),
        "end_date": date(2026, 7, 10),
        "start_half": "afternoon",
        "end_half": None,
        "status": "pending",
        "reason": "Trip",
    }
    assert bad.errors == [
        ("start_half", "“evening” is not one of morning, afternoon."),
        ("status", "“granted” is not one of approved, pending."),
    ]


def test_users_rows_name_an_unknown_time_zone_role_and_bad_work_days():
    content = (
        "email,role,time_zone,work_days,weekly_hours,employment_start\n"
        'x@example.com,boss,Mars/Olympus,"Mon,Mon",forty,2026-13-01\n'
    )

    (row,) = rows_of(content, kind="users")

    assert [field for field, _ in row.errors] == [
        "role",
        "time_zone",
        "work_days",
        "weekly_hours",
        "employment_start",
    ]


def test_time_entries_read_durations_as_clock_or_decimal_hours_and_offsets_as_aware():
    content = (
        "email;project;day;duration;start;end\n"
        "a@example.com;Web;2026-03-02;7:30;;\n"
        "a@example.com;Web;2026-03-02;0,75;;\n"
        "a@example.com;Web;;;2026-03-02T09:00:00+01:00;2026-03-02T10:00:00Z\n"
        "a@example.com;Web;2026-03-02;-1;;\n"
    )

    clock, hours, aware, negative = rows_of(content)

    assert clock.values["duration"] == timedelta(hours=7, minutes=30)
    assert hours.values["duration"] == timedelta(minutes=45)
    assert aware.values["start"] == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert aware.values["start"].utcoffset() == timedelta(hours=1)
    assert aware.values["end"] == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert negative.errors == [("duration", "“-1” is a negative duration.")]


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"", "empty.csv", "The file is empty"),
        (b"\n\n", "blank.csv", "The file is empty"),
        ("email,project\nÄrger,Web\n".encode("cp1252"), "latin.csv", "not UTF-8"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "not a readable XLSX"),
        (b"\xd0\xcf\x11\xe0 old excel", "old.xls", "XLS (Excel 97-2003) cannot be read"),
    ],
)
def test_an_unusable_file_is_an_import_file_error_about_the_file(content, filename, expected):
    with pytest.raises(ImportFileError) as caught:
        list(read(content, filename=filename).rows)

    assert caught.value.field == "file"
    assert expected in caught.value.message


def test_an_xlsx_with_an_empty_first_sheet_is_an_import_file_error():
    buffer = io.BytesIO()
    Workbook().save(buffer)

    with pytest.raises(ImportFileError, match="The first sheet is empty"):
        read(buffer.getvalue(), filename="empty.xlsx")


def test_an_unknown_kind_is_an_import_file_error_about_the_kind():
    with pytest.raises(ImportFileError) as caught:
        read("email,project\n", kind="invoices")

    assert caught.value.field == "kind"
    assert "users, projects, time_entries, leave" in caught.value.message


def test_a_template_header_with_a_stray_column_says_what_is_wrong_with_it():
    with pytest.raises(ImportFileError) as caught:
        read("Email,Start,End,Notes,start\na@example.com,2026-03-02 09:00,2026-03-02 10:00,,\n")

    assert caught.value.message.endswith(
        "This header has columns not in the time_entries template: notes; columns given twice: start; "
        "required columns missing: project."
    )


def test_columns_with_an_empty_header_are_ignored_and_whole_xlsx_numbers_read_as_text():
    (row,) = rows_of("project,code,,\nWebsite,WEB,,\n", kind="projects")
    workbook = Workbook()
    workbook.active.append(["project", "code", None])
    workbook.active.append([2026, 2026.0, "stray"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    (numbered,) = rows_of(buffer.getvalue(), kind="projects", filename="p.xlsx")

    assert (row.values["project"], row.values["code"], row.errors) == ("Website", "WEB", [])
    assert (numbered.values["project"], numbered.values["code"], numbered.errors) == ("2026", "2026", [])


def test_the_reader_leaves_the_callers_file_open():
    _, _, content = template_file("users", "csv")
    file = io.BytesIO(content)

    rows = list(read_source(file, filename="users.csv", kind="users").rows)

    assert len(rows) == 1
    assert not file.closed


def test_a_csv_that_stops_being_utf8_partway_fails_while_its_rows_are_read():
    good_rows = "".join(f"a@example.com,Web,row {number}\n" for number in range(2, 1002))
    content = ("email,project,description\n" + good_rows).encode() + "a@example.com,Ärger,x\n".encode("cp1252")
    source = read(content)

    with pytest.raises(ImportFileError, match="stops being UTF-8 text after row") as caught:
        list(source.rows)

    assert caught.value.field == "file"


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("12345", "12345"), ("Mon-Fri", "12345"), ("monday, Wednesday", "13"), ("Mon-Thu Sat", "12346"), ("7", "7")],
)
def test_work_days_read_as_iso_digits_from_digits_names_or_ranges(cell, expected):
    (row,) = rows_of(f'email,work_days\nx@example.com,"{cell}"\n', kind="users")

    assert (row.values["work_days"], row.errors) == (expected, [])


@pytest.mark.parametrize("cell", ["Mo-Fr", "Fri-Mon", "weekdays", "1234567 8"])
def test_work_days_that_name_no_weekday_are_a_row_error(cell):
    (row,) = rows_of(f'email,work_days\nx@example.com,"{cell}"\n', kind="users")

    assert [field for field, _ in row.errors] == ["work_days"]
