"""Acceptance 3 of issue 20: a mail goes out in its recipient's language, an ICS feed speaks
its owner's, whoever fetches it. (The German wording is leave's catalogue's; these tests pin
which language is chosen and that the mail says so.)"""

from datetime import date

import pytest
from django.core import mail

from leave import services
from leave.models import CalendarFeed

REQUESTS = "/api/v1/leave/requests"
ICS = "/api/v1/leave/calendar.ics"


def decided_mail(bob, alice, vacation, capture):
    with capture(execute=True):
        request = services.leave_request_create(
            actor=alice, leave_type=vacation, start_date=date(2026, 3, 9), end_date=date(2026, 3, 10)
        )
        services.leave_request_approve(request_id=request.pk, actor=bob)
    return [message for message in mail.outbox if message.to == ["alice@example.com"]]


@pytest.mark.django_db
def test_the_approval_mail_to_a_german_speaker_is_german(funded, bob, vacation, django_capture_on_commit_callbacks):
    funded.language = "de"
    funded.save()
    bob.language = "en"
    bob.save()
    (approval,) = decided_mail(bob, funded, vacation, django_capture_on_commit_callbacks)
    assert approval.extra_headers["Content-Language"] == "de"


@pytest.mark.django_db
def test_the_approval_mail_to_a_german_speaker_says_genehmigt(
    funded, bob, vacation, django_capture_on_commit_callbacks
):
    funded.language = "de"
    funded.save()
    (approval,) = decided_mail(bob, funded, vacation, django_capture_on_commit_callbacks)
    assert "genehmigt" in approval.subject and "approved" not in approval.body


@pytest.mark.django_db
def test_without_a_choice_mails_go_out_in_the_sites_language(funded, bob, vacation, django_capture_on_commit_callbacks):
    (approval,) = decided_mail(bob, funded, vacation, django_capture_on_commit_callbacks)
    assert approval.extra_headers["Content-Language"] == "en"
    assert approval.subject == "[Time Tracker] Your leave request was approved"


@pytest.mark.django_db
def test_managers_of_different_languages_get_one_mail_each(
    funded, bob, frank, team_a, vacation, django_capture_on_commit_callbacks
):
    frank.role = frank.Role.MANAGER
    frank.language = "de"
    frank.save()
    team_a.managers.add(frank)
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_request_create(
            actor=funded, leave_type=vacation, start_date=date(2026, 3, 9), end_date=date(2026, 3, 10)
        )
    assert sorted((message.to, message.extra_headers["Content-Language"]) for message in mail.outbox) == [
        (["bob@example.com"], "en"),
        (["frank@example.com"], "de"),
    ]


@pytest.mark.django_db
def test_a_feed_speaks_its_owners_language_whoever_fetches_it(anon, funded, bob, vacation):
    funded.language = "de"
    funded.save()
    services.leave_request_approve(
        request_id=services.leave_request_create(
            actor=funded, leave_type=vacation, start_date=date(2026, 3, 9), end_date=date(2026, 3, 10)
        ).pk,
        actor=bob,
    )
    feed = CalendarFeed.objects.get_or_create(user=funded, scope=CalendarFeed.Scope.PERSONAL)[0]
    german = anon.get(ICS, {"token": feed.token}, HTTP_ACCEPT_LANGUAGE="en")
    assert german.status_code == 200 and german["Content-Language"] == "de"
    funded.language = "en"
    funded.save()
    english = anon.get(ICS, {"token": feed.token}, HTTP_ACCEPT_LANGUAGE="de")
    assert english["Content-Language"] == "en"
