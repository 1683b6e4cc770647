"""People and projects come in through the services that create one of them (admins only):
a person with their first contract version, a project with its client, tasks and teams."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from imports.tests.helpers import revert, upload
from timeentries.models import Client, Project, Task
from users.models import Contract, Team, User

pytestmark = pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12")
USERS_HEADER = "email,first_name,last_name,team,role,time_zone,employment_start,employment_end,weekly_hours,work_days"
PROJECTS_HEADER = "client,project,code,task,billable,hourly_rate,teams"


def test_people_come_with_their_team_and_first_contract_version(api, carol, team_a, django_capture_on_commit_callbacks):
    rows = (
        USERS_HEADER,
        "ada@example.com,Ada,Lovelace,Team A,employee,Europe/Berlin,2024-04-01,,40,12345",
        "grace@example.com,Grace,Hopper,Research,manager,America/New_York,2025-01-15,,20,Mon;Tue;Wed",
    )

    _, found = upload(api(carol), django_capture_on_commit_callbacks, "users", *rows, dry_run=False)

    assert (found["status"], found["rows_imported"]) == ("done", 2), found
    ada = User.objects.get(email="ada@example.com")
    assert (ada.get_full_name(), ada.team, ada.timezone, ada.employment_start) == (
        "Ada Lovelace",
        team_a,
        "Europe/Berlin",
        date(2024, 4, 1),
    )
    grace = User.objects.get(email="grace@example.com")
    assert (grace.team.name, grace.role) == ("Research", "manager")
    contract = Contract.objects.get(user=grace)
    assert (contract.valid_from, contract.weekly_hours) == (date(2025, 1, 15), Decimal("20"))
    assert Team.objects.filter(name="Research").count() == 1


def test_a_person_already_there_or_named_twice_is_refused_by_row(api, carol, alice, django_capture_on_commit_callbacks):
    rows = (
        USERS_HEADER,
        "alice@example.com,Alice,Again,,employee,Europe/Berlin,2024-04-01,,40,12345",
        "new@example.com,New,One,,employee,Mars/Base,2024-04-01,,40,12345",
        "twice@example.com,Twice,One,,employee,UTC,2024-04-01,2024-03-01,40,12345",
    )

    _, found = upload(api(carol), django_capture_on_commit_callbacks, "users", *rows)

    assert [(error["row"], error["field"]) for error in found["errors"]] == [
        (2, "email"),
        (3, "time_zone"),
        (4, "employment_end"),
    ]
    assert found["errors"][0]["message"] == "A user with this email already exists."
    assert not User.objects.filter(email="new@example.com").exists()


def test_only_admins_import_people_and_projects(api, bob, django_capture_on_commit_callbacks):
    response, _ = upload(api(bob), django_capture_on_commit_callbacks, "users", USERS_HEADER)
    assert (response.status_code, response.json()["detail"]) == (403, "Only admins can import people.")
    response, _ = upload(api(bob), django_capture_on_commit_callbacks, "projects", PROJECTS_HEADER)
    assert response.status_code == 403


def test_projects_come_with_their_client_tasks_and_teams(api, carol, team_a, django_capture_on_commit_callbacks):
    rows = (
        PROJECTS_HEADER,
        "Acme GmbH,Website relaunch,WEB,Design,yes,95.50,Team A|Design team",
        "Acme GmbH,Website relaunch,WEB,Development,yes,95.50,Team A|Design team",
        ",Internal,,,no,,",
    )

    _, found = upload(api(carol), django_capture_on_commit_callbacks, "projects", *rows, dry_run=False)

    assert found["status"] == "done", found
    web = Project.objects.get(code="WEB")
    assert (web.name, web.client.name, web.hourly_rate, web.billable) == (
        "Website relaunch",
        "Acme GmbH",
        Decimal("95.50"),
        True,
    )
    assert set(web.teams.values_list("name", flat=True)) == {"Team A", "Design team"}
    assert set(Task.objects.filter(project=web).values_list("name", flat=True)) == {"Design", "Development"}
    internal = Project.objects.get(name="Internal")
    assert (internal.code, internal.client, internal.billable) == ("INTERNAL", None, False)
    assert Client.objects.count() == 1


def test_reverting_people_and_projects_removes_what_the_import_created(
    api, carol, team_a, django_capture_on_commit_callbacks, frozen_2026_11_12
):
    people = (USERS_HEADER, "ada@example.com,Ada,Lovelace,Research,employee,Europe/Berlin,2024-04-01,,40,12345")
    projects = (PROJECTS_HEADER, "Acme GmbH,Website relaunch,WEB,Design,yes,95.50,Team A")
    client = api(carol)
    _, users_import = upload(client, django_capture_on_commit_callbacks, "users", *people, dry_run=False)
    _, projects_import = upload(client, django_capture_on_commit_callbacks, "projects", *projects, dry_run=False)
    frozen_2026_11_12.shift(timedelta(minutes=5))

    assert revert(client, django_capture_on_commit_callbacks, projects_import["id"]).status_code == 200
    assert revert(client, django_capture_on_commit_callbacks, users_import["id"]).status_code == 200

    assert not User.objects.filter(email="ada@example.com").exists()
    assert not Team.objects.filter(name="Research").exists()
    assert not Project.objects.exists() and not Client.objects.exists() and not Task.objects.exists()
    assert Team.objects.filter(name="Team A").exists()
