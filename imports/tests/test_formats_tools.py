"""The time-entry exports of Kimai, Clockify and Toggl Track (fixtures written from each
tool's documented export columns, see the readers' docstrings) read into canonical rows:
people, projects, naive start/end, durations, billable, as written by hand below."""

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from imports.formats import ImportFileError, read_source

FIXTURES = Path(__file__).parent / "fixtures"


def read_fixture(name: str, kind: str = "time_entries"):
    with (FIXTURES / name).open("rb") as file:
        source = read_source(file, filename=name, kind=kind)
        return source.format, list(source.rows)


def entry(**values):
    """A canonical time-entry row: every field, None unless given."""
    fields = "email person client project task start end day duration break_minutes description billable"
    return dict.fromkeys(fields.split()) | values


def test_a_kimai_csv_export_reads_people_projects_activities_and_an_entry_past_midnight():
    file_format, rows = read_fixture("kimai_export.csv")

    assert file_format == "kimai"
    assert [(row.number, row.errors) for row in rows] == [(2, []), (3, []), (4, [])]
    assert [row.values for row in rows] == [
        entry(
            email="alice@example.com",
            person="Alice Example",
            client="Acme GmbH",
            project="Website relaunch",
            task="Design",
            start=datetime(2026, 3, 2, 8, 30),
            end=datetime(2026, 3, 2, 12, 0),
            duration=timedelta(hours=3, minutes=30),
            description="Wireframes, start page",
            billable=True,
        ),
        entry(
            email="bob@example.com",
            person="Bob Boss",
            client="Acme GmbH",
            project="Website relaunch",
            task="Go-live",
            start=datetime(2026, 3, 2, 22, 15),
            end=datetime(2026, 3, 3, 1, 45),  # "To" 01:45 is earlier than "From": the next day
            duration=timedelta(hours=3, minutes=30),
            description="Night deployment",
            billable=False,  # Kimai writes false as an empty cell
        ),
        entry(
            email="alice@example.com",
            person="Alice Example",
            client="Internal",
            project="Administration",
            task="Meetings",
            start=datetime(2026, 3, 3, 13, 0),
            end=datetime(2026, 3, 3, 13, 6),
            duration=timedelta(minutes=6),
            billable=True,
        ),
    ]


def test_a_german_kimai_export_with_semicolons_keeps_the_decimal_point_of_its_duration():
    file_format, (row,) = read_fixture("kimai_export_de.csv")

    assert file_format == "kimai"
    assert row.errors == []
    assert row.values == entry(
        email="dave@example.com",
        person="Dave Other",
        client="Müller & Söhne",
        project="Lager",
        task="Inventur",
        start=datetime(2026, 3, 4, 9, 0),
        end=datetime(2026, 3, 4, 10, 30),
        duration=timedelta(hours=1, minutes=30),  # "1.5" decimal hours, not 15
        description="Zählung Halle 2",
        billable=True,
    )


def test_a_kimai_xlsx_export_reads_its_typed_cells_and_skips_its_totals_row():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Date", "From", "To", "Duration", "Name", "E-mail", "Customer", "Project", "Activity", "Billable"])
    # As Kimai's XlsxRenderer writes them: the date cell holds the whole begin, the duration is a [hh]:mm interval.
    begin, duration = datetime(2026, 3, 9, 7, 45), timedelta(hours=8, minutes=30)
    person = ["Ada Lovelace", "ada@example.com"]
    sheet.append([begin, "07:45", "16:15", duration, *person, "Acme GmbH", "Website relaunch", "Design", False])
    sheet["D2"].number_format = "[hh]:mm"
    # Kimai's totals row, as Excel saves it: the sums' values under Duration only.
    sheet.append([None, None, None, timedelta(hours=8, minutes=30)])
    buffer = io.BytesIO()
    workbook.save(buffer)

    source = read_source(io.BytesIO(buffer.getvalue()), filename="kimai.xlsx", kind="time_entries")
    (row,) = list(source.rows)

    assert source.format == "kimai"
    assert row.errors == []
    assert row.values == entry(
        email="ada@example.com",
        person="Ada Lovelace",
        client="Acme GmbH",
        project="Website relaunch",
        task="Design",
        start=datetime(2026, 3, 9, 7, 45),
        end=datetime(2026, 3, 9, 16, 15),
        duration=timedelta(hours=8, minutes=30),
        billable=False,
    )


def test_a_clockify_detailed_report_reads_us_dates_and_12_hour_times():
    file_format, rows = read_fixture("clockify_detailed.csv")

    assert file_format == "clockify"
    assert [(row.number, row.errors) for row in rows] == [(2, []), (3, []), (4, [])]
    assert [row.values for row in rows] == [
        entry(
            email="alice@example.com",
            person="Alice Example",
            client="Acme GmbH",
            project="Website relaunch",
            task="Meetings",
            start=datetime(2026, 3, 2, 9, 0),
            end=datetime(2026, 3, 2, 10, 15),
            duration=timedelta(hours=1, minutes=15),
            description="Kick-off call",
            billable=True,
        ),
        entry(
            email="alice@example.com",
            person="Alice Example",
            client="Acme GmbH",
            project="Website relaunch",
            task="Design",
            start=datetime(2026, 3, 13, 13, 30),
            end=datetime(2026, 3, 13, 17, 0),
            duration=timedelta(hours=3, minutes=30),
            description="Review, part 2",
            billable=False,
        ),
        entry(
            email="carol@example.com",
            person="Carol Admin",
            client="Globex",
            project="Support",
            start=datetime(2026, 3, 14, 23, 0),
            end=datetime(2026, 3, 15, 1, 20),
            duration=timedelta(hours=2, minutes=20),  # Duration (h), not the rounded 2.33
            description="On call",
            billable=True,
        ),
    ]


def test_a_clockify_report_with_days_first_is_read_day_first_from_a_later_unambiguous_date():
    file_format, rows = read_fixture("clockify_detailed_eu.csv")

    assert file_format == "clockify"
    assert [row.errors for row in rows] == [[], []]
    first, second = (row.values for row in rows)
    assert (first["start"], first["end"]) == (datetime(2026, 3, 5, 8, 0), datetime(2026, 3, 5, 12, 45))
    assert first["duration"] == timedelta(hours=4, minutes=45)
    assert (first["client"], first["task"]) == ("Müller & Söhne", None)
    assert (second["start"], second["duration"], second["billable"]) == (
        datetime(2026, 3, 13, 14, 0),
        timedelta(hours=1),
        False,
    )


def test_a_toggl_detailed_report_with_a_bom_reads_iso_dates_and_seconds():
    file_format, rows = read_fixture("toggl_detailed.csv")

    assert file_format == "toggl"
    assert [(row.number, row.errors) for row in rows] == [(2, []), (3, [])]
    assert [row.values for row in rows] == [
        entry(
            email="alice@example.com",
            person="Alice Example",
            client="Acme GmbH",
            project="Website relaunch",
            task="Design",
            start=datetime(2026, 3, 5, 9, 15, 41),
            end=datetime(2026, 3, 5, 11, 0),
            duration=timedelta(hours=1, minutes=44, seconds=19),
            description="Hero image",
            billable=True,
        ),
        entry(
            email="bob@example.com",
            person="Bob Boss",
            project="Internal",
            start=datetime(2026, 3, 5, 23, 30),
            end=datetime(2026, 3, 6, 0, 45),
            duration=timedelta(hours=1, minutes=15),
            description='Planning "Q2"',
            billable=False,
        ),
    ]


def test_unparseable_tool_cells_are_row_errors_naming_the_field_and_the_tool_column():
    content = (
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags\n"
        "Ann,ann@example.com,,Web,,,Yes,2026-03-05,09:00:00,2026-03-05,10:00:00,01:00:00,\n"
        "Ann,ann@example.com,,Web,,,Perhaps,2026-02-30,09:00:00,2026-03-05,25:00:00,lots,\n"
        "Ann,ann@example.com,,,,,No,2026-03-06,09:00:00,,,01:00:00,\n"
    )

    source = read_source(io.BytesIO(content.encode()), filename="toggl.csv", kind="time_entries")
    good, bad, no_project = list(source.rows)

    assert good.errors == []
    assert bad.number == 3
    assert [field for field, _ in bad.errors] == ["start", "end", "duration", "billable"]
    messages = dict(bad.errors)
    assert messages["start"].startswith("Start date: “2026-02-30” is not a date")
    assert messages["end"].startswith("End time: “25:00:00” is not a time of day")
    assert messages["duration"].startswith("Duration: “lots” is not a duration")
    assert bad.values["start"] is bad.values["end"] is bad.values["duration"] is None
    assert no_project.number == 4
    assert no_project.errors == [("project", "This field is required.")]
    assert (no_project.values["start"], no_project.values["end"]) == (datetime(2026, 3, 6, 9, 0), None)


def test_a_clockify_date_that_contradicts_the_files_day_month_order_is_a_row_error():
    content = (
        "Project,Client,Description,Task,User,Email,Billable,Start Date,Start Time,End Date,End Time,Duration (h)\n"
        "Web,,,,Ann,ann@example.com,Yes,03/13/2026,9:00 AM,03/13/2026,10:00 AM,1:00\n"
        "Web,,,,Ann,ann@example.com,Yes,13/03/2026,9:00 AM,13/03/2026,10:00 AM,1:00\n"
    )

    rows = list(read_source(io.BytesIO(content.encode()), filename="c.csv", kind="time_entries").rows)

    assert rows[0].errors == []
    assert [field for field, _ in rows[1].errors] == ["start", "end"]
    assert "MM/DD/YYYY" in rows[1].errors[0][1]


@pytest.mark.parametrize("kind", ["users", "projects", "leave"])
def test_a_tool_export_offered_as_another_kind_is_refused_naming_the_kind(kind):
    with (FIXTURES / "toggl_detailed.csv").open("rb") as file, pytest.raises(ImportFileError) as caught:
        read_source(file, filename="toggl.csv", kind=kind)

    assert caught.value.field == "kind"
    assert "Toggl Track export of time entries" in caught.value.message
