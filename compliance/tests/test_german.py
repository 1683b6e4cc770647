"""Working-time findings are worded in the language of the person who records the work
(issue 20)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from django.utils.translation import gettext_noop

from compliance.models import Violation
from compliance.rules import day_label, weeks_label
from compliance.tests.factories import violation_of
from core.texts import Text, text_from_data

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


# --- stored messages in the reader's language (issue 20's leftovers) ----------------------

VIOLATIONS = "/api/v1/compliance/violations"


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_a_violation_caused_by_a_german_speaker_reads_in_each_readers_language(
    frozen_2026_03_04, api, alice, bob, ops, client
):
    api(speaking(alice, "de")).post("/api/v1/time-entries", {"project": ops.pk, **LONG_DAY})
    [violation] = Violation.objects.filter(user=alice, rule="daily_max")
    english = "10 h 30 worked on Tue 3 Mar, more than the 10 h allowed."
    german = "10 h 30 gearbeitet am Di 3 Mär, mehr als die erlaubten 10 h."

    assert violation.message == english  # the stored text (API `message`, webhooks) is English
    for language, expected in (("de", german), ("en", english)):
        [row] = [v for v in api(speaking(bob, language)).get(VIOLATIONS).json()["results"] if v["id"] == violation.pk]
        assert (row["message"], row["message_localized"]) == (english, expected)
        client.force_login(bob)
        assert expected in client.get("/compliance/").content.decode()


def test_numbers_inside_a_message_follow_the_reader():
    average = Text(
        gettext_noop("Average %(average)s h a week over %(length)s to %(day)s"),
        {"average": Decimal("50.25"), "length": weeks_label(Decimal("110.6")), "day": day_label(date(2026, 3, 1))},
    )
    with translation.override("de"):
        assert average.render() == "Durchschnittlich 50,25 h pro Woche über 15,8 Wochen bis So 1 Mär"
    assert average.english() == "Average 50.25 h a week over 15.8 weeks to Sun 1 Mar"
    assert text_from_data(average.as_data()).english() == average.english()


ENGLISH_REST = "Only 8 h of rest since yesterday 22:00, before work at 06:00 on Tue 3 Mar; 11 h are required."
GERMAN_REST = "Nur 8 h Ruhezeit seit gestern 22:00, vor der Arbeit um 06:00 am Di 3 Mär; 11 h sind vorgeschrieben."


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_stored_english_and_german_messages_their_code(alice):
    executor = MigrationExecutor(connection)
    executor.migrate([("compliance", "0014_violation_message_code")])
    written_in_english = violation_of(alice, message=ENGLISH_REST)
    written_in_german = violation_of(alice, day=date(2026, 3, 10), message=GERMAN_REST.replace("3 Mär", "10 Mär"))
    by_hand = violation_of(alice, day=date(2026, 3, 17), message="Imported from the old system")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    for violation in (written_in_english, written_in_german, by_hand):
        violation.refresh_from_db()
    assert written_in_english.message_code.startswith("Only %(rest)s of rest since")
    assert written_in_german.message_code == written_in_english.message_code
    assert written_in_german.message == ENGLISH_REST.replace("3 Mar", "10 Mar")  # stored in English from now
    with translation.override("de"):
        assert written_in_english.message_text == GERMAN_REST
    assert written_in_german.message_text == ENGLISH_REST.replace("3 Mar", "10 Mar")
    assert (by_hand.message_code, by_hand.message_text) == ("", "Imported from the old system")
