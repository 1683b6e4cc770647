"""Search in German: a bad query is refused in the reader's language, and the results page
names each result's kind in it."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_type_is_refused_in_german(api, alice):
    alice.language = "de"
    alice.save(update_fields=["language"])

    response = api(alice).get("/api/v1/search", {"q": "acme", "types": "invoice"})

    assert response.status_code == 400
    assert response.json()["errors"]["types"] == [
        "Unbekannter Typ invoice; möglich sind time_entry, project, task, user, leave_request, audit_event."
    ]


def test_a_backwards_date_range_is_refused_in_english_by_default(api, alice):
    response = api(alice).get("/api/v1/search", {"q": "acme", "from": "2026-03-02", "to": "2026-03-01"})

    assert response.status_code == 400
    assert response.json()["errors"]["to"] == ["must be on or after from."]
