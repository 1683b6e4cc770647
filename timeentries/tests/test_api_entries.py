import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from conftest import requires_postgres
from timeentries import services
from timeentries.models import TimeEntry, Timesheet

URL = "/api/v1/time-entries"


def entry_body(project, start, end, **extra):
    return {"project": project.pk, "start": start, "end": end, **extra}


@pytest.mark.django_db
class TestCreate:
    def test_create_entry_for_the_requester(self, frozen_2026_11_12, api, alice, dave, acme, acme_dev):
        response = api(alice).post(
            URL,
            entry_body(acme, "2026-11-10T09:00:00+01:00", "2026-11-10T12:30:00+01:00", task=acme_dev.pk, user=dave.pk),
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["user"] == alice.pk
        assert body["duration"] == 3.5 * 3600 and body["hours"] == 3.5
        assert body["billable"] is True and body["running"] is False
        assert body["start"] == "2026-11-10T08:00:00Z"
        assert Timesheet.objects.filter(user=alice, status="open").count() == 1

    def test_billable_defaults_from_the_project(self, frozen_2026_11_12, api, alice, internal):
        response = api(alice).post(URL, entry_body(internal, "2026-11-10T09:00:00Z", "2026-11-10T10:00:00Z"))
        assert response.json()["billable"] is False

    def test_overlap_by_one_minute_is_409_naming_the_entry_by_local_time_and_project(
        self, frozen_2026_11_12, api, alice, acme, acme_dev
    ):
        """Acceptance 4: the other entry in the owner's words (Berlin time, day, project /
        task), never its id or a UTC timestamp."""
        body = {**entry_body(acme, "2026-11-10T09:00:00Z", "2026-11-10T11:00:00Z"), "task": acme_dev.pk}
        first = api(alice).post(URL, body).json()
        assert first["id"]
        response = api(alice).post(URL, entry_body(acme, "2026-11-10T10:59:00Z", "2026-11-10T12:00:00Z"))
        assert response.status_code == 409
        assert response.json()["code"] == "overlap"
        detail = response.json()["detail"]
        assert detail == "Overlaps your entry 10:00\N{EN DASH}12:00 on Tue 10 Nov, ACME / Development."
        assert f"entry {first['id']} " not in detail and "T09:00" not in detail
        touching = api(alice).post(URL, entry_body(acme, "2026-11-10T11:00:00Z", "2026-11-10T12:00:00Z"))
        assert touching.status_code == 201

    def test_other_users_may_overlap(self, frozen_2026_11_12, api, alice, dave, acme):
        body = entry_body(acme, "2026-11-10T09:00:00Z", "2026-11-10T11:00:00Z")
        assert api(alice).post(URL, body).status_code == 201
        assert api(dave).post(URL, body).status_code == 201

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"start": "2026-11-10T09:00:00Z", "end": "2026-11-10T10:00:00Z"}, "project"),
            ({"project": "ACME", "start": "2026-11-10T09:00:00Z"}, "end"),
            ({"project": "ACME", "end": "2026-11-10T10:00:00Z"}, "start"),
            ({"project": "ACME", "start": "2026-11-10T09:00:00Z", "end": "2026-11-10T08:00:00Z"}, "end"),
            ({"project": "ACME", "start": "2026-11-10T09:00:00Z", "end": "2026-11-10T09:00:00Z"}, "end"),
            ({"project": "ACME", "start": "2026-11-09T08:00:00Z", "end": "2026-11-10T08:01:00Z"}, "end"),
            ({"project": "ACME", "start": "2026-11-13T09:00:00Z", "end": "2026-11-13T10:00:00Z"}, "start"),
            ({"project": "ACME", "start": "2026-11-12T22:00:00Z", "end": "2026-11-12T23:30:00Z"}, "end"),
            ({"project": 99999, "start": "2026-11-10T09:00:00Z", "end": "2026-11-10T10:00:00Z"}, "project"),
            ({"project": "ACME", "start": "yesterday", "end": "2026-11-10T10:00:00Z"}, "start"),
            ({"project": "ACME", "start": "2026-11-10T09:00:00", "end": "2026-11-10T10:00:00Z"}, "start"),
            ({"project": "ACME", "start": "2026-13-45T09:00:00Z", "end": "2026-11-10T10:00:00Z"}, "start"),
            (
                {"project": "ACME", "task": "INT-TASK", "start": "2026-11-10T09:00:00Z", "end": "2026-11-10T10:00:00Z"},
                "task",
            ),
            (
                {"project": "ACME", "task": 99999, "start": "2026-11-10T09:00:00Z", "end": "2026-11-10T10:00:00Z"},
                "task",
            ),
            ({"project": ["x"], "start": 5, "end": None}, "project"),
        ],
    )
    def test_bad_input_is_400_naming_the_field(
        self, frozen_2026_11_12, api, alice, acme, internal_meetings, body, field
    ):
        body = {key: acme.pk if value == "ACME" else value for key, value in body.items()}
        if body.get("task") == "INT-TASK":
            body["task"] = internal_meetings.pk
        response = api(alice).post(URL, body, format="json")
        assert response.status_code == 400, response.json()
        assert field in response.json()["errors"], response.json()
        assert not TimeEntry.objects.exists()

    def test_garbage_body_is_400(self, frozen_2026_11_12, api, alice):
        assert api(alice).post(URL, "[1, 2", content_type="application/json").status_code == 400
        assert api(alice).post(URL, [1, 2], format="json").status_code == 400

    def test_archived_project_or_task_and_team_restrictions(
        self, frozen_2026_11_12, api, alice, acme, acme_dev, team_b
    ):
        body = entry_body(acme, "2026-11-10T09:00:00Z", "2026-11-10T10:00:00Z")
        acme_dev.archived = True
        acme_dev.save()
        response = api(alice).post(URL, {**body, "task": acme_dev.pk})
        assert response.status_code == 400 and "task" in response.json()["errors"]
        acme.teams.set([team_b])
        response = api(alice).post(URL, body)
        assert response.status_code == 400 and "project" in response.json()["errors"]
        acme.teams.clear()
        acme.archived = True
        acme.save()
        response = api(alice).post(URL, body)
        assert response.status_code == 400 and "archived" in response.json()["errors"]["project"][0]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_overlapping_creates_let_exactly_one_in_on_postgres(alice, acme):
    token = str(RefreshToken.for_user(alice).access_token)
    barrier, statuses = threading.Barrier(10), []

    def create(n):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            start = f"2026-01-05T09:{n:02d}:00Z"
            response = client.post(URL, entry_body(acme, start, "2026-01-05T11:00:00Z"), format="json")
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 9
    assert TimeEntry.objects.filter(user=alice).count() == 1


@pytest.mark.django_db
class TestUpdateDelete:
    def test_patch_and_delete_own_entry(self, frozen_2026_11_12, api, alice, acme, internal):
        entry = services.time_entry_create(
            actor=alice, project=acme, start=frozen_dt("2026-11-10T09:00Z"), end=frozen_dt("2026-11-10T10:00Z")
        )
        response = api(alice).patch(f"{URL}/{entry.pk}", {"end": "2026-11-10T11:00:00Z", "project": internal.pk})
        assert response.status_code == 200, response.json()
        assert response.json()["hours"] == 2.0 and response.json()["billable"] is False
        bad = api(alice).patch(f"{URL}/{entry.pk}", {"end": "2026-11-10T08:00:00Z"})
        assert bad.status_code == 400 and "end" in bad.json()["errors"]
        assert api(alice).delete(f"{URL}/{entry.pk}").status_code == 204
        assert not TimeEntry.objects.exists()

    def test_patch_into_an_overlap_is_409(self, frozen_2026_11_12, api, alice, acme):
        services.time_entry_create(
            actor=alice, project=acme, start=frozen_dt("2026-11-10T09:00Z"), end=frozen_dt("2026-11-10T10:00Z")
        )
        later = services.time_entry_create(
            actor=alice, project=acme, start=frozen_dt("2026-11-10T10:00Z"), end=frozen_dt("2026-11-10T11:00Z")
        )
        response = api(alice).patch(f"{URL}/{later.pk}", {"start": "2026-11-10T09:30:00Z"})
        assert response.status_code == 409


def frozen_dt(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.django_db
class TestTimer:
    def test_start_get_restart_and_stop(self, frozen_2026_11_12, api, alice, acme, internal):
        client = api(alice)
        assert client.get(f"{URL}/timer").status_code == 204
        started = client.post(f"{URL}/timer/start", {"project": acme.pk, "description": "bugfix"})
        assert started.status_code == 201 and started.json()["running"] is True
        assert client.get(f"{URL}/timer").json()["id"] == started.json()["id"]

        frozen_2026_11_12.shift(timedelta(minutes=30))
        client = api(alice)  # a fresh access token: the first one expired meanwhile
        refused = client.post(f"{URL}/timer/start?stop_running=false", {"project": internal.pk})
        assert refused.status_code == 409 and refused.json()["code"] == "timer_running"
        second = client.post(f"{URL}/timer/start", {"project": internal.pk})
        assert second.status_code == 201
        first = TimeEntry.objects.get(pk=started.json()["id"])
        assert first.end == first.start + timedelta(minutes=30)

        frozen_2026_11_12.shift(timedelta(minutes=15))
        stopped = client.post(f"{URL}/timer/stop", {})
        assert stopped.status_code == 200 and stopped.json()["hours"] == 0.25
        assert client.get(f"{URL}/timer").status_code == 204
        assert client.post(f"{URL}/timer/stop", {}).status_code == 409

    def test_timer_older_than_a_day_needs_an_explicit_end(self, frozen_2026_11_12, api, alice, acme):
        client = api(alice)
        client.post(f"{URL}/timer/start", {"project": acme.pk})
        frozen_2026_11_12.shift(timedelta(hours=30))
        client = api(alice)
        response = client.post(f"{URL}/timer/stop", {})
        assert response.status_code == 400 and "end" in response.json()["errors"]
        assert TimeEntry.objects.get().is_running
        explicit = client.post(f"{URL}/timer/stop", {"end": "2026-11-12T22:00:00+00:00"})
        assert explicit.status_code == 200 and explicit.json()["hours"] == 8.0

    def test_timer_start_validates_the_project(self, frozen_2026_11_12, api, alice, acme, internal_meetings):
        response = api(alice).post(f"{URL}/timer/start", {"project": acme.pk, "task": internal_meetings.pk})
        assert response.status_code == 400 and "task" in response.json()["errors"]
        assert api(alice).post(f"{URL}/timer/start", {}).status_code == 400

    def test_creating_an_entry_over_a_running_timer_is_409(self, frozen_2026_11_12, api, alice, acme):
        api(alice).post(f"{URL}/timer/start", {"project": acme.pk})
        response = api(alice).post(URL, entry_body(acme, "2026-11-12T14:30:00Z", "2026-11-12T15:00:00Z"))
        assert response.status_code in (400, 409)
        earlier = api(alice).post(URL, entry_body(acme, "2026-11-12T08:00:00Z", "2026-11-12T09:00:00Z"))
        assert earlier.status_code == 201


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_timer_starts_leave_one_running_timer_on_postgres(alice, acme):
    token = str(RefreshToken.for_user(alice).access_token)
    barrier, statuses = threading.Barrier(8), []

    def start():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        barrier.wait()
        try:
            statuses.append(client.post(f"{URL}/timer/start?stop_running=false", {"project": acme.pk}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(201) == 1 and statuses.count(409) == 7
    assert TimeEntry.objects.filter(user=alice, end__isnull=True).count() == 1


@requires_postgres
@pytest.mark.django_db
def test_postgres_refuses_an_entry_longer_than_24_hours_even_past_the_services(api, alice, acme):
    start = frozen_dt("2026-11-10T08:00Z")
    too_long = api(alice).post(URL, entry_body(acme, start, start + timedelta(hours=24, minutes=1)), format="json")
    assert too_long.status_code == 400 and "end" in too_long.json()["errors"]

    TimeEntry.objects.create(user=alice, project=acme, start=start, end=start + timedelta(hours=24))
    with pytest.raises(IntegrityError, match="timeentry_at_most_24_hours"), transaction.atomic():
        TimeEntry.objects.create(
            user=alice, project=acme, start=start + timedelta(days=2), end=start + timedelta(days=3, seconds=1)
        )
