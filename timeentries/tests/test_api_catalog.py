from datetime import UTC, datetime

import pytest

from timeentries import services
from timeentries.models import Project, Task

pytestmark = pytest.mark.django_db


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])


def test_admin_creates_and_edits_the_catalog(api, carol, team_a):
    client = api(carol)
    acme = client.post("/api/v1/clients", {"name": "Acme"}).json()
    project = client.post(
        "/api/v1/projects",
        {
            "client": acme["id"],
            "name": "Web",
            "code": "WEB",
            "color": "#112233",
            "hourly_rate": "90.00",
            "teams": [team_a.pk],
        },
        format="json",
    )
    assert project.status_code == 201, project.json()
    assert project.json()["teams"] == [team_a.pk] and project.json()["client_name"] == "Acme"
    task = client.post("/api/v1/tasks", {"project": project.json()["id"], "name": "Design"})
    assert task.status_code == 201
    duplicate = client.post("/api/v1/projects", {"name": "Other", "code": "WEB"})
    assert duplicate.status_code == 400 and "code" in duplicate.json()["errors"]
    bad_color = client.post("/api/v1/projects", {"name": "Other", "code": "OTH", "color": "red"})
    assert bad_color.status_code == 400 and "color" in bad_color.json()["errors"]
    negative = client.post("/api/v1/projects", {"name": "Other", "code": "OTH", "hourly_rate": "-1"})
    assert negative.status_code == 400 and "hourly_rate" in negative.json()["errors"]
    same_task = client.post("/api/v1/tasks", {"project": project.json()["id"], "name": "Design"})
    assert same_task.status_code == 400
    archived = client.patch(f"/api/v1/projects/{project.json()['id']}", {"archived": True}, format="json")
    assert archived.json()["archived"] is True


def test_employees_and_managers_read_what_they_can_log_to(api, alice, bob, dave, carol, team_a, team_b):
    everyone = Project.objects.create(name="Everyone", code="ALL")
    only_a = Project.objects.create(name="Only A", code="A")
    only_a.teams.set([team_a])
    only_b = Project.objects.create(name="Only B", code="B")
    only_b.teams.set([team_b])
    archived = Project.objects.create(name="Old", code="OLD", archived=True)
    Task.objects.create(project=only_b, name="B task")
    a_task = Task.objects.create(project=only_a, name="A task")

    assert ids(api(alice).get("/api/v1/projects")) == sorted([everyone.pk, only_a.pk])
    assert ids(api(bob).get("/api/v1/projects")) == sorted([everyone.pk, only_a.pk])
    assert ids(api(dave).get("/api/v1/projects")) == sorted([everyone.pk, only_b.pk])
    assert len(ids(api(carol).get("/api/v1/projects"))) == 4
    assert ids(api(carol).get("/api/v1/projects", {"archived": "true"})) == [archived.pk]
    assert ids(api(alice).get("/api/v1/tasks")) == [a_task.pk]
    assert api(alice).get(f"/api/v1/projects/{only_b.pk}").status_code == 404
    assert api(alice).patch(f"/api/v1/projects/{only_a.pk}", {"name": "Mine"}).status_code == 403
    assert api(alice).post("/api/v1/projects", {"name": "X", "code": "X"}).status_code == 403
    assert api(bob).delete(f"/api/v1/tasks/{a_task.pk}").status_code == 403
    assert ids(api(carol).get("/api/v1/projects", {"search": "only"})) == sorted([only_a.pk, only_b.pk])
    assert ids(api(carol).get("/api/v1/tasks", {"project": only_a.pk})) == [a_task.pk]


def test_a_project_with_time_cannot_be_deleted(frozen_2026_11_12, api, carol, alice, acme):
    services.time_entry_create(
        actor=alice,
        project=acme,
        start=datetime(2026, 11, 10, 9, tzinfo=UTC),
        end=datetime(2026, 11, 10, 10, tzinfo=UTC),
    )
    response = api(carol).delete(f"/api/v1/projects/{acme.pk}")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    empty = Project.objects.create(name="Empty", code="EMPTY")
    assert api(carol).delete(f"/api/v1/projects/{empty.pk}").status_code == 204
