"""Working-time findings are worded in the language of the person who records the work
(issue 20)."""

import pytest

pytestmark = pytest.mark.django_db

LONG_DAY = {"start": "2026-03-03T07:00:00+01:00", "end": "2026-03-03T18:15:00+01:00", "break_minutes": 45}


def test_a_long_day_is_reported_in_german_to_a_german_speaker(frozen_2026_03_04, api, alice, dave, ops):
    alice.language = "de"
    alice.save(update_fields=["language"])

    german = api(alice).post("/api/v1/time-entries", {"project": ops.pk, **LONG_DAY})
    english = api(dave).post("/api/v1/time-entries", {"project": ops.pk, **LONG_DAY})

    [in_german] = [w["message"] for w in german.json()["compliance_warnings"] if w["rule"] == "daily_max"]
    [in_english] = [w["message"] for w in english.json()["compliance_warnings"] if w["rule"] == "daily_max"]
    assert in_german == "10 h 30 gearbeitet am Di 3 Mär, mehr als die erlaubten 10 h."
    assert in_english == "10 h 30 worked on Tue 3 Mar, more than the 10 h allowed."
