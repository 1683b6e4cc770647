"""Leave speaks each reader's language (issue 20): mails in the recipient's, the ICS feed in
its owner's, the API's refusals in the signed-in person's."""

from datetime import date

import pytest
from django.core import mail
from icalendar import Calendar

from leave import services

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
