"""The time-entry list by page number (exact or estimated count) and by cursor."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from timeentries.models import TimeEntry
from timeentries.serializers import TimeEntrySerializer

URL = "/api/v1/time-entries"


@pytest.fixture
def alice_entries(alice, dave, acme):
    """Alice: two clocked entries on each of three days, one on a fourth, and duration
    entries (no start) on two of those days; Dave (another team): one."""
    moments = [datetime(2026, 11, day, hour, tzinfo=UTC) for day in (2, 3, 4) for hour in (8, 13)]
    moments.append(datetime(2026, 11, 5, 8, tzinfo=UTC))
    entries = [
        TimeEntry.objects.create(user=alice, project=acme, start=at, end=at + timedelta(hours=2)) for at in moments
    ]
    entries += [
        TimeEntry.objects.create(user=alice, project=acme, kind="duration", day=day, duration=timedelta(hours=1))
        for day in (date(2026, 11, 3), date(2026, 11, 3), date(2026, 11, 5))
    ]
    TimeEntry.objects.create(user=dave, project=acme, start=moments[0], end=moments[0] + timedelta(hours=1))
    return entries


def newest_first(entries):
    """The list's order: newest day first; on a day clocked entries newest first, then
    duration entries, newest first."""

    def key(entry):
        return (entry.day, entry.start is not None, entry.start or entry.day, entry.pk)

    return [entry.pk for entry in sorted(entries, key=key, reverse=True)]


def walk_by_cursor(client, url):
    """Every page's results following next_cursor from an empty cursor."""
    ids, pages = [], 0
    response = client.get(url)
    while True:
        assert response.status_code == 200, response.json()
        body = response.json()
        assert "count" not in body
        ids += [row["id"] for row in body["results"]]
        pages += 1
        if body["next_cursor"] is None:
            assert body["next"] is None
            return ids, pages
        assert f"cursor={body['next_cursor']}" in body["next"]
        response = client.get(body["next"])


@pytest.mark.django_db
class TestPageNumbers:
    def test_the_list_is_newest_day_first_clocked_then_duration_entries(self, api, alice, alice_entries):
        body = api(alice).get(URL, {"page_size": 20}).json()
        assert [row["id"] for row in body["results"]] == newest_first(alice_entries)

    def test_a_short_list_counts_exactly(self, api, alice, alice_entries):
        body = api(alice).get(URL, {"page_size": 3}).json()
        assert body["count"] == 10 and body["count_is_estimate"] is False
        assert body["next"].endswith("page=2&page_size=3") and body["previous"] is None
        assert len(body["results"]) == 3

    def test_a_list_longer_than_the_exact_limit_is_estimated_and_still_pages_to_its_end(
        self, settings, api, alice, alice_entries
    ):
        settings.API_EXACT_COUNT_LIMIT = 3
        client = api(alice)
        first = client.get(URL, {"page_size": 3}).json()
        if connection.vendor == "postgresql":
            assert first["count_is_estimate"] is True
            assert first["count"] >= 4  # never at most the limit
        else:  # no planner estimate on SQLite: the exact count
            assert (first["count"], first["count_is_estimate"]) == (10, False)
        ids, response = [], first
        while True:
            ids += [row["id"] for row in response["results"]]
            if response["next"] is None:
                break
            response = client.get(response["next"]).json()
        assert sorted(ids) == sorted(entry.pk for entry in alice_entries)
        assert len(response["results"]) == 1  # the fourth page holds the last entry
        assert client.get(URL, {"page_size": 3, "page": 5}).status_code == 404
        assert client.get(URL, {"page_size": 3, "page": "x"}).status_code == 404

    def test_an_admins_unfiltered_list_longer_than_the_limit_is_estimated(self, settings, api, carol, alice_entries):
        settings.API_EXACT_COUNT_LIMIT = 3
        body = api(carol).get(URL, {"page_size": 20}).json()
        if connection.vendor == "postgresql":
            assert body["count_is_estimate"] is True and body["count"] >= 4
        else:
            assert (body["count"], body["count_is_estimate"]) == (11, False)
        assert len(body["results"]) == 11 and body["next"] is None

    def test_a_manager_counts_only_their_people(self, api, bob, alice_entries):
        body = api(bob).get(URL).json()
        assert body["count"] == 10
        assert {row["user"] for row in body["results"]} == {alice_entries[0].user_id}


@pytest.mark.django_db
@pytest.mark.parametrize("walk", [{"page_size": 20}, {"cursor": "", "page_size": 20}])
def test_a_listed_page_reads_the_entries_alone_naming_people_projects_and_tasks_by_id(api, carol, alice_entries, walk):
    """Joining each listed entry's person, project, client and task cost four joins per row
    up to the page's offset and four more objects per row: the answer names them by id."""
    with CaptureQueriesContext(connection) as captured:
        body = api(carol).get(URL, walk).json()
    [page] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "timeentries_timeentry"."id"')]
    assert " JOIN " not in page
    assert len(body["results"]) == 11
    for row in body["results"]:
        entry = TimeEntry.objects.get(pk=row["id"])
        assert (row["user"], row["project"], row["task"]) == (entry.user_id, entry.project_id, entry.task_id)


@pytest.mark.django_db
def test_an_entry_is_written_field_for_field_as_drfs_own_serializer_writes_it(alice, acme, acme_dev, alice_entries):
    """TimeEntrySerializer reads its fields the short way (DRF's generic lookups took a third
    of a listed page's time): the same keys in the same order with the same values, for
    clocked, duration and running entries, with and without a task, in a zone not UTC."""
    at = datetime(2026, 11, 6, 8, tzinfo=UTC)
    running = TimeEntry.objects.create(user=alice, project=acme, task=acme_dev, start=at)
    entries = TimeEntry.objects.filter(pk__in=[entry.pk for entry in [*alice_entries, running]])
    with timezone.override(ZoneInfo("America/New_York")):
        for entry in entries:
            generic = serializers.Serializer.to_representation(TimeEntrySerializer(), entry)
            assert list(TimeEntrySerializer(entry).data.items()) == list(generic.items())


@pytest.mark.django_db
class TestCursor:
    def test_an_empty_cursor_starts_and_next_cursor_walks_to_the_end_newest_day_first(self, api, alice, alice_entries):
        ids, pages = walk_by_cursor(api(alice), f"{URL}?cursor=&page_size=3")
        assert ids == newest_first(alice_entries)
        assert pages == 4

    def test_filters_apply_and_a_manager_walks_only_their_people(self, api, bob, carol, alice_entries):
        ids, _ = walk_by_cursor(api(bob), f"{URL}?cursor=&page_size=2&from=2026-11-03&to=2026-11-04")
        assert ids == newest_first([entry for entry in alice_entries if entry.day.day in (3, 4)])
        everyone, _ = walk_by_cursor(api(carol), f"{URL}?cursor=&page_size=50")
        assert len(everyone) == 11

    def test_entries_added_while_walking_do_not_shift_the_pages(self, api, alice, acme, alice_entries):
        client = api(alice)
        first = client.get(URL, {"cursor": "", "page_size": 4}).json()
        at = datetime(2026, 11, 6, 8, tzinfo=UTC)
        TimeEntry.objects.create(user=alice, project=acme, start=at, end=at + timedelta(hours=1))
        rest, _ = walk_by_cursor(client, first["next"])
        walked = [row["id"] for row in first["results"]] + rest
        assert walked == newest_first(alice_entries)

    @pytest.mark.parametrize(
        "cursor",
        ["not-a-cursor", "WyIyMDI2LTExLTAyIl0", "WyJ4IiwgbnVsbCwgIjEiXQ", "WyIyMDI2LTExLTAyIiwgbnVsbCwgbnVsbF0"],
    )
    def test_a_cursor_that_is_not_one_is_400_naming_it(self, api, alice, alice_entries, cursor):
        response = api(alice).get(URL, {"cursor": cursor})
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["cursor"]

    def test_ordering_with_a_cursor_is_400_naming_it(self, api, alice, alice_entries):
        response = api(alice).get(URL, {"cursor": "", "ordering": "start"})
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["ordering"]
