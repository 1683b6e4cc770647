"""Who sees whose absences (issue 14): team mates see when each other are away, private leave
types (sick leave, GDPR Art. 9) show as "Absent" to everyone but the person, their managers
and admins, and a team can keep its absences to its managers. Through the calendar API, the
team page and the team ICS feed."""

import pytest
from django.test import Client
from icalendar import Calendar

from leave import services
from leave.selectors import ABSENT
from leave.tests.helpers import ask

CALENDAR = "/api/v1/leave/calendar"
TYPES = "/api/v1/leave/types"
FEEDS = "/api/v1/leave/calendar-feeds"
TEAM_PAGE = "/leave/team/"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def franks_leave(frozen_2026_03_02, frank, bob, unpaid, sick):
    """Frank, alice's team mate: off sick on Tuesday 3 March (with a reason) and on approved
    unpaid leave on 9 and 10 March."""
    flu = ask(frank, sick, "2026-03-03", reason="Flu, doctor's note follows")
    trip = services.leave_request_approve(
        request_id=ask(frank, unpaid, "2026-03-09", "2026-03-10", reason="Wedding in Porto").pk, actor=bob
    )
    return {"sick": flu, "unpaid": trip}


def absences_of(client, **params) -> dict[int, dict]:
    response = client.get(CALENDAR, {**MARCH, **params})
    assert response.status_code == 200, response.json()
    return {item["id"]: item for item in response.json()["absences"]}


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def share_absences(team, shared: bool) -> None:
    team.absences_visible_to_members = shared
    team.save()


def feed_urls(client) -> dict[str, str]:
    response = client.get(FEEDS)
    assert response.status_code == 200, response.json()
    return {feed["scope"]: feed["url"].removeprefix("http://testserver") for feed in response.json()["results"]}


def summaries(anon, url) -> dict[str, str]:
    response = anon.get(url)
    assert response.status_code == 200, response.content
    return {str(event["UID"]): str(event["SUMMARY"]) for event in Calendar.from_ical(response.content).walk("VEVENT")}


# --- the calendar API ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_team_mate_sees_the_dates_and_absent_for_sick_leave(api, alice, franks_leave, sick):
    seen = absences_of(api(alice))
    flu = seen[franks_leave["sick"].pk]
    assert flu == {
        "id": franks_leave["sick"].pk,
        "user": franks_leave["sick"].user_id,
        "user_name": str(franks_leave["sick"].user),
        "type": None,
        "type_name": "Absent",
        "color": ABSENT.color,
        "type_hidden": True,
        "start_date": "2026-03-03",
        "end_date": "2026-03-03",
        "start_half": "",
        "end_half": "",
        "status": "approved",
    }
    assert sick.color != ABSENT.color
    trip = seen[franks_leave["unpaid"].pk]
    assert (trip["type_name"], trip["type_hidden"], trip["start_date"], trip["end_date"]) == (
        "Unpaid",
        False,
        "2026-03-09",
        "2026-03-10",
    )
    assert "reason" not in trip and "Wedding" not in str(seen) and "Flu" not in str(seen)


@pytest.mark.django_db
def test_the_person_their_manager_and_admins_see_the_sick_type(api, frank, bob, carol, franks_leave, sick):
    for reader in (frank, bob, carol):
        flu = absences_of(api(reader))[franks_leave["sick"].pk]
        assert (flu["type"], flu["type_name"], flu["color"], flu["type_hidden"]) == (
            sick.pk,
            "Sick",
            sick.color,
            False,
        ), reader


@pytest.mark.django_db
def test_another_teams_employee_and_manager_see_nothing(api, dave, erin, franks_leave):
    assert absences_of(api(dave)) == {}
    assert absences_of(api(erin)) == {}
    assert absences_of(api(dave), team=franks_leave["sick"].user.team_id) == {}


@pytest.mark.django_db
def test_a_team_that_keeps_absences_to_its_managers_shows_members_only_their_own(
    api, alice, bob, team_a, franks_leave, unpaid
):
    own = ask(alice, unpaid, "2026-03-16")
    share_absences(team_a, False)
    assert set(absences_of(api(alice))) == {own.pk}
    assert set(absences_of(api(bob))) == {own.pk, franks_leave["sick"].pk, franks_leave["unpaid"].pk}
    share_absences(team_a, True)
    assert set(absences_of(api(alice))) == {own.pk, franks_leave["sick"].pk, franks_leave["unpaid"].pk}


@pytest.mark.django_db
def test_a_manager_sees_private_leave_of_their_own_team_mates_as_absent(api, franks_leave, team_b, erin, sick):
    """Erin manages team B but sits in team A: Frank is her team mate, not one of her people."""
    erin.team = franks_leave["sick"].user.team
    erin.save()
    flu = absences_of(api(erin))[franks_leave["sick"].pk]
    assert (flu["type"], flu["type_name"]) == (None, "Absent")


@pytest.mark.django_db
def test_any_type_marked_private_is_hidden_and_sick_is_private_from_the_start(api, alice, carol, franks_leave, unpaid):
    types = {item["code"]: item["private"] for item in api(carol).get(TYPES).json()["results"]}
    assert types["sick"] is True and types["vacation"] is False and types["unpaid"] is False
    response = api(carol).patch(f"{TYPES}/{unpaid.pk}", {"private": True}, format="json")
    assert response.status_code == 200, response.json()
    assert absences_of(api(alice))[franks_leave["unpaid"].pk]["type_name"] == "Absent"


# --- the team page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_team_mate_sees_the_month_with_absent_and_no_reasons(alice, franks_leave, password):
    response = signed_in(alice, password).get(TEAM_PAGE, {"month": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Who is away: March 2026" in html and "Frank" in html
    assert 'title="Absent"' in html and "cal__mark--absent" in html
    assert 'title="Unpaid"' in html
    assert "Sick" not in html and "cal__mark--sick" not in html
    assert "Flu" not in html and "Wedding" not in html
    assert "Waiting for you" not in html and "/approve/" not in html
    assert 'href="/leave/team/"' in html  # the main navigation offers the page


@pytest.mark.django_db
def test_the_manager_sees_sick_on_the_team_page(bob, franks_leave, password):
    html = signed_in(bob, password).get(TEAM_PAGE, {"month": "2026-03"}).content.decode()
    assert 'title="Sick"' in html and "cal__mark--sick" in html and 'title="Absent"' not in html


@pytest.mark.django_db
def test_the_team_page_is_refused_when_the_team_keeps_absences_to_managers(alice, team_a, franks_leave, password):
    share_absences(team_a, False)
    client = signed_in(alice, password)
    assert client.get(TEAM_PAGE).status_code == 403
    assert 'href="/leave/team/"' not in client.get("/leave/").content.decode()


# --- the team ICS feed -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_team_mates_feed_says_absent_for_sick_and_the_managers_says_sick(anon, api, alice, bob, franks_leave):
    flu, trip = (f"leave-{franks_leave[key].pk}@timetracker" for key in ("sick", "unpaid"))
    frank = franks_leave["sick"].user
    urls = feed_urls(api(alice))
    assert set(urls) == {"personal", "team"}
    alices_view = summaries(anon, urls["team"])
    assert alices_view[flu] == f"{frank} \u2013 Absent"
    assert alices_view[trip] == f"{frank} \u2013 Unpaid"
    bobs_view = summaries(anon, feed_urls(api(bob))["team"])
    assert bobs_view[flu] == f"{frank} \u2013 Sick"
    assert summaries(anon, feed_urls(api(frank))["personal"])[flu] == f"{frank} \u2013 Sick"


@pytest.mark.django_db
def test_turning_sharing_off_retires_the_members_team_feed(anon, api, alice, team_a, franks_leave):
    url = feed_urls(api(alice))["team"]
    share_absences(team_a, False)
    assert set(feed_urls(api(alice))) == {"personal"}
    assert anon.get(url).status_code == 404
    share_absences(team_a, True)
    assert anon.get(url).status_code == 200


# --- the setting itself --------------------------------------------------------------------------


@pytest.mark.django_db
def test_admins_turn_sharing_off_in_the_api_and_the_admin(api, carol, bob, team_a, password):
    response = api(carol).patch(f"/api/v1/teams/{team_a.pk}", {"absences_visible_to_members": False}, format="json")
    assert response.status_code == 200 and response.json()["absences_visible_to_members"] is False
    assert api(bob).patch(f"/api/v1/teams/{team_a.pk}", {"absences_visible_to_members": True}).status_code == 403

    admin = signed_in(carol, password)
    form = {"name": "Team A", "managers": [bob.pk], "absences_visible_to_members": "on"}
    response = admin.post(f"/admin/users/team/{team_a.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    team_a.refresh_from_db()
    assert team_a.absences_visible_to_members is True


@pytest.mark.django_db
def test_the_data_migration_marks_the_sick_like_types_private(sick, vacation, unpaid):
    from importlib import import_module

    from django.apps import apps

    from leave.models import LeaveType

    LeaveType.objects.update(private=False)  # as before the migration
    for code, name in (("sick-child", "Child sick"), ("krank", "Krankheit"), ("illness", "Illness"), ("x", "Sickness")):
        LeaveType.objects.create(code=code, name=name)
    import_module("leave.migrations.0004_leavetype_private").mark_sick_types_private(apps, None)
    private = set(LeaveType.objects.filter(private=True).values_list("code", flat=True))
    assert private == {"sick", "sick-child", "krank", "illness", "x"}
