"""Saved reports (issue 17): a person names the current filters of a report, lists, opens,
renames and deletes them; nobody else sees them. Filters are checked by the report's own
query parameters, so a saved report never holds what the report would refuse."""

import threading

import pytest
from auditlog.models import LogEntry
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from analytics.models import SavedReport
from conftest import requires_postgres

SAVED = "/api/v1/saved-reports"

pytestmark = pytest.mark.django_db


def save(client, name="November by project", report="time", **params):
    return client.post(SAVED, {"name": name, "report": report, "params": params}, format="json")


def test_a_saved_report_is_created_listed_opened_renamed_and_deleted(api, alice, team_a):
    client = api(alice)
    params = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "project,user", "team": str(team_a.pk)}

    created = save(client, **params, sort="-hours", billable="")

    assert created.status_code == 201, created.json()
    body = created.json()
    # The blank filter (an empty select on the page) is no filter and is not stored.
    assert body["params"] == {**params, "sort": "-hours"}
    assert (body["name"], body["report"]) == ("November by project", "time")
    expected_query = f"report=time&from=2026-11-01&group_by=project%2Cuser&sort=-hours&team={team_a.pk}&to=2026-11-30"
    assert body["query_string"] == expected_query
    assert body["page_url"] == f"/reports/?{expected_query}"
    listed = client.get(SAVED).json()
    assert listed["count"] == 1 and listed["results"][0] == body
    assert client.get(f"{SAVED}/{body['id']}").json() == body

    renamed = client.patch(f"{SAVED}/{body['id']}", {"name": "Team A, November"}, format="json")
    assert renamed.status_code == 200, renamed.json()
    assert renamed.json()["name"] == "Team A, November" and renamed.json()["params"] == body["params"]

    assert client.delete(f"{SAVED}/{body['id']}").status_code == 204
    assert client.get(f"{SAVED}/{body['id']}").status_code == 404
    assert not SavedReport.objects.exists()
    assert LogEntry.objects.filter(content_type__model="savedreport", object_id=body["id"]).count() == 3


def test_new_filters_replace_the_old_ones_and_the_report_stays(api, alice):
    client = api(alice)
    saved_id = save(client, **{"from": "2026-11-01", "to": "2026-11-30", "group_by": "day"}).json()["id"]

    response = client.patch(
        f"{SAVED}/{saved_id}", {"report": "leave", "params": {"range": "this_week", "group_by": "week"}}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["report"] == "time"
    assert response.json()["params"] == {"range": "this_week", "group_by": "week"}


def test_nobody_else_sees_opens_changes_or_deletes_a_saved_report(api, alice, bob, carol):
    saved_id = save(api(alice), **{"from": "2026-11-01", "to": "2026-11-30"}).json()["id"]

    for other in (bob, carol):  # her manager and an admin alike
        client = api(other)
        assert client.get(SAVED).json()["count"] == 0
        assert client.get(f"{SAVED}/{saved_id}").status_code == 404
        assert client.patch(f"{SAVED}/{saved_id}", {"name": "Mine now"}, format="json").status_code == 404
        assert client.delete(f"{SAVED}/{saved_id}").status_code == 404
    assert SavedReport.objects.get().name == "November by project"


def test_a_relative_period_is_kept_instead_of_its_dates(api, alice, frozen_2026_11_26):
    """Saved on 26 November, "last month" must mean December when opened in January: the
    page's from/to (October here) are not stored with it."""
    response = save(api(alice), "Last month", range="last_month", **{"from": "2026-10-01", "to": "2026-10-31"})

    assert response.status_code == 201, response.json()
    assert response.json()["params"] == {"range": "last_month"}
    assert response.json()["query_string"] == "report=time&range=last_month"


def test_overtime_keeps_its_own_period_beside_the_pages_range(api, alice):
    """The overtime report's `period` (week, month) and the page's preset `range` are two keys."""
    client = api(alice)

    own = save(client, "Monthly balance", "overtime", period="month", **{"from": "2026-01-01", "to": "2026-11-30"})
    preset = save(client, "Last week's balance", "overtime", period="week", range="last_week")
    neither = save(client, "Yearly", "overtime", period="year", **{"from": "2026-01-01", "to": "2026-11-30"})

    assert own.status_code == 201, own.json()
    assert own.json()["params"] == {"period": "month", "from": "2026-01-01", "to": "2026-11-30"}
    assert preset.status_code == 201 and preset.json()["params"] == {"period": "week", "range": "last_week"}
    assert neither.status_code == 400 and "params.period" in neither.json()["errors"]


def test_the_same_name_is_refused_for_one_person_and_free_for_another(api, alice, dave):
    first = save(api(alice), "Mine", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert first.status_code == 201, first.json()
    other = save(api(alice), "Other", **{"from": "2026-11-01", "to": "2026-11-30"})

    again = save(api(alice), "Mine", "leave", as_of="2026-11-30")
    renamed = api(alice).patch(f"{SAVED}/{other.json()['id']}", {"name": "Mine"}, format="json")

    for response in (again, renamed):
        assert response.status_code == 400
        assert response.json()["errors"] == {"name": ["You already have a saved report named 'Mine'."]}
    assert save(api(dave), "Mine", "leave", as_of="2026-11-30").status_code == 201
    assert SavedReport.objects.filter(owner=alice).count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"report": "time", "params": {"from": "2026-11-31", "to": "2026-11-30"}}, "params.from"),
        (
            {"report": "time", "params": {"from": "2026-11-01", "to": "2026-11-30", "group_by": "planet"}},
            "params.group_by",
        ),
        ({"report": "time", "params": {"from": "2026-11-01", "to": "2026-11-30", "colour": "blue"}}, "params.colour"),
        ({"report": "time", "params": {"from": "2026-11-01", "to": "2026-11-30", "format": "csv"}}, "params.format"),
        ({"report": "time", "params": {"from": "2026-11-01", "to": "2026-11-30", "project": ["3"]}}, "params.project"),
        ({"report": "time", "params": {"from": "2026-11-01", "to": "2026-11-30", "sort": "hours;drop"}}, "params.sort"),
        ({"report": "time", "params": {"range": "yesterday"}}, "params.range"),
        ({"report": "time", "params": {"range": "custom", "to": "2026-11-30"}}, "params.from"),
        ({"report": "leave", "params": {"as_of": "2026-11-30", "range": "this_month"}}, "params.range"),
        ({"report": "payroll", "params": {"month": "2026-13"}}, "params.month"),
        ({"report": "salaries", "params": {}}, "report"),
        ({"name": "x" * 101, "report": "leave", "params": {"as_of": "2026-11-30"}}, "name"),
        ({"name": "   ", "report": "leave", "params": {"as_of": "2026-11-30"}}, "name"),
    ],
)
def test_bad_input_answers_400_naming_the_field(api, alice, body, field):
    response = api(alice).post(SAVED, {"name": "Bad", **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not SavedReport.objects.exists()


def test_a_bad_patch_names_the_field_and_changes_nothing(api, alice):
    client = api(alice)
    saved = save(client, **{"from": "2026-11-01", "to": "2026-11-30"}).json()

    response = client.patch(f"{SAVED}/{saved['id']}", {"params": {"to": "2026-11-30"}}, format="json")

    assert response.status_code == 400 and "params.from" in response.json()["errors"]
    assert client.get(f"{SAVED}/{saved['id']}").json()["params"] == saved["params"]


def test_the_schema_lists_the_saved_reports_and_the_exports_list(anon):
    paths = anon.get("/api/v1/openapi.json").json()["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/saved-reports"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/saved-reports/{id}"])
    assert "put" not in paths["/api/v1/saved-reports/{id}"]
    assert {"get", "post"} <= set(paths["/api/v1/exports"])


def test_the_admin_lists_saved_reports_by_owner_and_finds_them_by_name(client, api, alice, dave, carol):
    save(api(alice), "Alice's November", **{"from": "2026-11-01", "to": "2026-11-30"})
    save(api(dave), "Dave's leave", "leave", as_of="2026-11-30")
    client.force_login(carol)

    page = client.get("/admin/analytics/savedreport/", {"q": "November"}).content.decode()

    assert "Alice&#x27;s November" in page and str(alice) in page
    assert "Dave&#x27;s leave" not in page


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_of_one_name_at_once_keep_one(alice):
    """The friendly check runs before either row exists; the constraint keeps the second out."""
    barrier, statuses = threading.Barrier(4), []

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(alice).access_token}")
        barrier.wait()
        try:
            statuses.append(save(client, "Same", "leave", as_of="2026-11-30").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 400, 400, 400]
    assert SavedReport.objects.filter(owner=alice, name="Same").count() == 1
