"""Leave speaks each reader's language (issue 20): mails in the recipient's, the ICS feed in
its owner's, the API's refusals in the signed-in person's."""

from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from icalendar import Calendar

from leave import services
from leave.models import LeaveLedgerEntry

REQUESTS = "/api/v1/leave/requests"
FEEDS = "/api/v1/leave/calendar-feeds"


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.mark.django_db
def test_each_mail_is_written_in_its_recipients_language(
    api, funded, bob, vacation, django_capture_on_commit_callbacks
):
    alice = speaking(funded, "de")
    with django_capture_on_commit_callbacks(execute=True):
        created = api(alice).post(REQUESTS, {"type": vacation.pk, "start_date": "2026-03-09", "end_date": "2026-03-10"})
    with django_capture_on_commit_callbacks(execute=True):
        api(bob).post(f"{REQUESTS}/{created.json()['id']}/approve")

    to_bob, to_alice = mail.outbox
    assert to_bob.subject == f"[Time Tracker] Leave request from {alice}"
    assert to_bob.body.startswith(f"{alice} asks for Vacation: 2026-03-09 to 2026-03-10, 2.0 working days.")
    assert to_alice.subject == "[Time Tracker] Ihr Abwesenheitsantrag wurde genehmigt"
    assert to_alice.body == (
        f"Ihr Antrag auf Vacation: 2026-03-09 bis 2026-03-10, 2,0 Arbeitstage. wurde von {bob} genehmigt."
    )


@pytest.mark.django_db
def test_a_german_owners_feed_has_german_summaries(anon, api, funded, bob, vacation):
    alice = speaking(funded, "de")
    request = services.leave_request_create(
        actor=alice,
        leave_type=vacation,
        start_date=date(2026, 3, 20),
        end_date=date(2026, 3, 20),
        start_half="afternoon",
    )
    services.leave_request_approve(request_id=request.pk, actor=bob)
    url = {feed["scope"]: feed["url"] for feed in api(alice).get(FEEDS).json()["results"]}["personal"]

    feed = anon.get(url.removeprefix("http://testserver"), HTTP_ACCEPT_LANGUAGE="en")

    [event] = Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{alice} \u2013 Vacation (halber Tag: nachmittags)"


@pytest.mark.django_db
def test_a_refused_request_names_the_field_in_german(api, funded, vacation):
    response = api(speaking(funded, "de")).post(
        REQUESTS, {"type": vacation.pk, "start_date": "2026-03-10", "end_date": "2026-03-09"}
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"end_date": ["Der letzte Tag darf nicht vor dem ersten Tag liegen."]}


# --- saved texts in the reader's language (issue 20's leftovers) --------------------------

LEDGER = "/api/v1/leave/ledger"


def notes_of(client, **params) -> list[tuple[str, str]]:
    rows = client.get(LEDGER, {"type": params.pop("type"), **params}).json()["results"]
    return [(row["note"], row["note_localized"]) for row in rows]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "allowance", "booked", "cancelled"),
    [
        ("de", "Anspruch 2026", "Vacation vom 09.03.2026 bis 10.03.2026", "Storniert"),
        ("en", "Allowance 2026", "Vacation 03/09/2026 to 03/10/2026", "Cancelled"),
    ],
)
def test_ledger_notes_read_in_the_readers_language(api, funded, bob, vacation, language, allowance, booked, cancelled):
    created = api(funded).post(REQUESTS, {"type": vacation.pk, "start_date": "2026-03-09", "end_date": "2026-03-10"})
    api(bob).post(f"{REQUESTS}/{created.json()['id']}/approve")
    api(funded).post(f"{REQUESTS}/{created.json()['id']}/cancel")

    notes = notes_of(api(speaking(funded, language)), type=vacation.pk)

    english = ["Allowance 2026", "Vacation 03/09/2026 to 03/10/2026", "Cancelled"]
    assert notes == list(zip(english, [allowance, booked, cancelled], strict=True))


@pytest.mark.django_db
def test_a_note_an_admin_typed_stays_as_typed(api, funded, carol, vacation):
    services.ledger_adjust(
        actor=carol, user=funded, leave_type=vacation, amount=1, on=date(2026, 3, 2), note="Betriebsrat: 1 Tag"
    )
    assert ("Betriebsrat: 1 Tag", "Betriebsrat: 1 Tag") in notes_of(api(speaking(funded, "en")), type=vacation.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [("de", "Automatisch genehmigt."), ("en", "Approved automatically.")])
def test_leave_approved_automatically_says_so_in_the_readers_language(api, funded, vacation, language, shown):
    vacation.requires_approval = False
    vacation.save(update_fields=["requires_approval"])
    created = api(funded).post(REQUESTS, {"type": vacation.pk, "start_date": "2026-03-09", "end_date": "2026-03-09"})

    read = api(speaking(funded, language)).get(f"{REQUESTS}/{created.json()['id']}").json()

    assert (read["decision_comment"], read["decision_comment_localized"]) == ("Approved automatically.", shown)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_written_ledger_notes_their_code(funded, vacation):
    executor = MigrationExecutor(connection)
    executor.migrate([("leave", "0012_ledger_note_code")])
    LeaveLedgerEntry.objects.all().delete()

    def row(note: str, key: str) -> LeaveLedgerEntry:
        return LeaveLedgerEntry.objects.create(
            user=funded,
            leave_type=vacation,
            date=date(2026, 3, 2),
            amount=1,
            kind="adjustment",
            note=note,
            idempotency_key=key,
        )

    booked = row("Vacation 2026-03-09 to 2026-03-10", "a")
    holiday = row("Holiday Fair added on 2026-10-15", "b")
    closed = row("2026 closed again: 2.5 left after a late change", "c")
    typed = row("Betriebsrat: 1 Tag", "d")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    with translation.override("de"):
        shown = [LeaveLedgerEntry.objects.get(pk=entry.pk).note_text for entry in (booked, holiday, closed, typed)]
    assert shown == [
        "Vacation vom 09.03.2026 bis 10.03.2026",
        "Feiertag Fair hinzugefügt am 15.10.2026",
        "2026 erneut abgeschlossen: 2,5 übrig nach einer späten Änderung",
        "Betriebsrat: 1 Tag",
    ]
