"""Elasticsearch configured but unreachable: writes still succeed, search falls back."""

import pytest

from core.models import OutboxMessage

pytestmark = pytest.mark.no_es


@pytest.fixture
def es_down(settings):
    settings.ELASTICSEARCH_ENABLED = True
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:1"


def test_creating_an_entry_succeeds_and_search_uses_the_database(
    es_down, api, alice, acme, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(alice).post(
            "/api/v1/time-entries",
            {
                "project": acme.pk,
                "start": "2026-11-10T09:00:00Z",
                "end": "2026-11-10T10:00:00Z",
                "description": "ACME kickoff",
            },
        )
    assert response.status_code == 201, response.content
    assert callbacks  # the index task was tried (eagerly, with its retries) and failed quietly
    unsent = OutboxMessage.objects.get(task="search.tasks.search_index_object", args__0="timeentries.timeentry")
    assert (
        unsent.args[1] == response.json()["id"] and unsent.sent_at is None and unsent.last_error
    )  # left for the relay

    body = api(alice).get("/api/v1/search", {"q": "kickoff"}).json()

    assert body["backend"] in ("database", "postgres")
    assert [r["id"] for r in body["results"]] == [response.json()["id"]]
