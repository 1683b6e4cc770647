"""Role matrix for /users and /teams: outside scope 404, forbidden action 403."""

import pytest

from users.models import User

pytestmark = pytest.mark.django_db


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])


def test_users_list_is_scoped_per_role(api, alice, bob, carol, dave, erin):
    assert ids(api(alice).get("/api/v1/users")) == [alice.pk]
    assert ids(api(bob).get("/api/v1/users")) == sorted([alice.pk, bob.pk])
    assert ids(api(erin).get("/api/v1/users")) == sorted([dave.pk, erin.pk])
    assert ids(api(carol).get("/api/v1/users")) == sorted([alice.pk, bob.pk, carol.pk, dave.pk, erin.pk])


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        ("alice", "alice", 200),
        ("alice", "bob", 404),
        ("alice", "dave", 404),
        ("bob", "alice", 200),
        ("bob", "dave", 404),
        ("erin", "dave", 200),
        ("erin", "alice", 404),
        ("carol", "dave", 200),
    ],
)
def test_user_detail_visibility(api, request, actor, target, expected):
    actor, target = request.getfixturevalue(actor), request.getfixturevalue(target)
    assert api(actor).get(f"/api/v1/users/{target.pk}").status_code == expected


@pytest.mark.parametrize(
    ("actor", "target", "expected"),
    [
        ("alice", "alice", 403),  # visible, but people edit themselves through /users/me
        ("alice", "dave", 404),
        ("bob", "alice", 403),  # managers read their team, they do not edit it
        ("bob", "dave", 404),
        ("erin", "alice", 404),
        ("carol", "alice", 200),
    ],
)
def test_user_writes_only_by_admins(api, request, actor, target, expected):
    actor, target = request.getfixturevalue(actor), request.getfixturevalue(target)
    response = api(actor).patch(f"/api/v1/users/{target.pk}", {"last_name": "Changed"}, format="json")
    assert response.status_code == expected
    assert api(actor).delete(f"/api/v1/users/{target.pk}").status_code == (204 if expected == 200 else expected)


def test_only_admins_create_users(api, alice, bob, carol, team_b):
    body = {"email": "new@example.com", "password": "a-long-pass-phrase", "role": "manager", "team": team_b.pk}
    assert api(alice).post("/api/v1/users", body, format="json").status_code == 403
    assert api(bob).post("/api/v1/users", body, format="json").status_code == 403
    created = api(carol).post("/api/v1/users", body, format="json")
    assert created.status_code == 201, created.json()
    user = User.objects.get(email="new@example.com")
    assert (user.role, user.team, user.is_staff) == ("manager", team_b, True)
    assert user.groups.filter(name="Managers").exists()


def test_admin_delete_deactivates_and_keeps_the_user(api, carol, alice):
    assert api(carol).delete(f"/api/v1/users/{alice.pk}").status_code == 204
    alice.refresh_from_db()
    assert alice.is_active is False


def test_me_ignores_role_team_is_active_and_is_staff(api, alice, team_b):
    response = api(alice).patch(
        "/api/v1/users/me",
        {
            "first_name": "Alicia",
            "timezone": "America/New_York",
            "role": "admin",
            "team": team_b.pk,
            "is_active": False,
            "is_staff": True,
            "weekly_contract_hours": "10",
        },
        format="json",
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert (alice.first_name, alice.timezone) == ("Alicia", "America/New_York")
    assert (alice.role, alice.team.name, alice.is_active, alice.is_staff) == ("employee", "Team A", True, False)
    assert alice.weekly_contract_hours == 40


def test_me_rejects_an_unknown_timezone(api, alice):
    response = api(alice).patch("/api/v1/users/me", {"timezone": "Nowhere/Land"}, format="json")
    assert response.status_code == 400
    assert "timezone" in response.json()["errors"]


def test_admin_cannot_demote_themselves(api, carol):
    response = api(carol).patch(f"/api/v1/users/{carol.pk}", {"role": "employee"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()["errors"]


def test_users_filters_and_search(api, carol, alice, bob, dave, erin):
    assert ids(api(carol).get("/api/v1/users", {"role": "manager"})) == sorted([bob.pk, erin.pk])
    assert ids(api(carol).get("/api/v1/users", {"search": "alice"})) == [alice.pk]
    assert ids(api(carol).get("/api/v1/users", {"team": dave.team_id, "role": "employee"})) == [dave.pk]


def test_teams_scoping(api, alice, bob, carol, dave, erin, team_a, team_b):
    assert ids(api(carol).get("/api/v1/teams")) == sorted([team_a.pk, team_b.pk])
    assert ids(api(bob).get("/api/v1/teams")) == [team_a.pk]
    assert ids(api(alice).get("/api/v1/teams")) == [team_a.pk]
    assert api(bob).get(f"/api/v1/teams/{team_b.pk}").status_code == 404
    assert api(bob).patch(f"/api/v1/teams/{team_a.pk}", {"name": "Renamed"}, format="json").status_code == 403
    assert api(erin).patch(f"/api/v1/teams/{team_a.pk}", {"name": "Renamed"}, format="json").status_code == 404
    assert api(bob).post("/api/v1/teams", {"name": "Mine"}, format="json").status_code == 403


def test_admin_team_crud(api, carol, bob, alice):
    created = api(carol).post("/api/v1/teams", {"name": "Platform", "managers": [bob.pk]}, format="json")
    assert created.status_code == 201, created.json()
    team_id = created.json()["id"]
    assert created.json()["managers"] == [bob.pk]
    not_a_manager = api(carol).patch(f"/api/v1/teams/{team_id}", {"managers": [alice.pk]}, format="json")
    assert not_a_manager.status_code == 400 and "managers" in not_a_manager.json()["errors"]
    duplicate = api(carol).post("/api/v1/teams", {"name": "platform"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["errors"]
    assert api(carol).delete(f"/api/v1/teams/{team_id}").status_code == 204


def test_a_team_manager_without_the_role_is_refused_in_german(api, carol, alice, team_a):
    carol.language = "de"
    carol.save(update_fields=["language"])

    response = api(carol).patch(f"/api/v1/teams/{team_a.pk}", {"managers": [alice.pk]}, format="json")

    assert response.status_code == 400
    refusal = "Nur Personen mit der Rolle Vorgesetzte(r) oder Administration können Vorgesetzte eines Teams sein"
    assert response.json()["errors"] == {"managers": [f"{refusal}: {alice}."]}
