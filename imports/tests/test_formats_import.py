"""Acceptance 1 of issue 18: a Kimai, a Clockify and a Toggl export (the fixtures written
from each tool's documented columns) import with the right people, projects, tasks, hours
and time zones — read by imports.formats, imported by `manage.py import_data` through the
same services as the API. The tools export local times without an offset: each person's
zone places them (Berlin, UTC+1 in March 2026)."""

from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from imports.models import Import
from timeentries.models import Task, TimeEntry
from users.tests.factories import UserFactory

pytestmark = [
    pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12"),
    pytest.mark.django_db(transaction=True),
]

FIXTURES = Path(__file__).parent / "fixtures"


def utc(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def tools_world(carol, alice, bob, dave, make_project):
    """The people and projects the fixtures name."""
    # The exports name "Dave Other" and dave@example.com: the email decides, not this namesake.
    UserFactory(email="dave.other@example.com", first_name="Dave", last_name="Other")
    projects = {
        "WEB": make_project(code="WEB", name="Website relaunch", client="Acme GmbH"),
        "ADM": make_project(code="ADM", name="Administration", client="Internal"),
        "LAG": make_project(code="LAG", name="Lager", client="Müller & Söhne"),
        "SUP": make_project(code="SUP", name="Support", client="Globex"),
        "INT": make_project(code="INT", name="Internal", billable=False),
    }
    for code, task in (("WEB", "Design"), ("WEB", "Go-live"), ("WEB", "Meetings"), ("ADM", "Meetings")):
        Task.objects.create(project=projects[code], name=task)
    Task.objects.create(project=projects["LAG"], name="Inventur")
    return carol


@pytest.mark.parametrize(
    ("fixture", "file_format", "expected"),
    [
        (
            "kimai_export.csv",
            "kimai",
            {
                ("alice@example.com", "WEB", "Design", utc(2, 7, 30), utc(2, 11, 0)),
                ("bob@example.com", "WEB", "Go-live", utc(2, 21, 15), utc(3, 0, 45)),
                ("alice@example.com", "ADM", "Meetings", utc(3, 12, 0), utc(3, 12, 6)),
            },
        ),
        (
            "kimai_export_de.csv",
            "kimai",
            {("dave@example.com", "LAG", "Inventur", utc(4, 8, 0), utc(4, 9, 30))},
        ),
        (
            "clockify_detailed.csv",
            "clockify",
            {
                ("alice@example.com", "WEB", "Meetings", utc(2, 8, 0), utc(2, 9, 15)),
                ("alice@example.com", "WEB", "Design", utc(13, 12, 30), utc(13, 16, 0)),
                ("carol@example.com", "SUP", None, utc(14, 22, 0), utc(15, 0, 20)),
            },
        ),
        (
            "clockify_detailed_eu.csv",
            "clockify",
            {
                ("dave@example.com", "LAG", None, utc(5, 7, 0), utc(5, 11, 45)),
                ("dave@example.com", "LAG", None, utc(13, 13, 0), utc(13, 14, 0)),
            },
        ),
        (
            "toggl_detailed.csv",
            "toggl",
            {
                ("alice@example.com", "WEB", "Design", utc(5, 8, 15, 41), utc(5, 10, 0)),
                ("bob@example.com", "INT", None, utc(5, 22, 30), utc(5, 23, 45)),
            },
        ),
    ],
)
def test_each_tools_export_imports_its_people_projects_and_hours_in_each_persons_zone(
    tools_world, fixture, file_format, expected
):
    out = StringIO()

    # Eager Celery answers at once; the timeout turns a task that never runs into a failure, not an hour's wait.
    call_command(
        "import_data",
        str(FIXTURES / fixture),
        "--kind",
        "time_entries",
        "--timeout",
        "60",
        stdout=out,
        stderr=StringIO(),
    )

    source = Import.objects.get()
    assert (source.format, source.status, source.rows_imported) == (file_format, "done", len(expected)), source.errors
    entries = TimeEntry.objects.select_related("user", "project", "task")
    assert {
        (entry.user.email, entry.project.code, entry.task.name if entry.task else None, entry.start, entry.end)
        for entry in entries
    } == expected
