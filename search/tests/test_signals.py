"""Receivers put ids for the index task into the outbox; they reach the task after the
commit, and only then."""

from unittest import mock

import pytest
from django.db import transaction

from core.models import OutboxMessage
from search import indexing, signals
from search.tests.conftest import make_entry
from timeentries.models import Client, Project, Task
from users.models import Team, User

pytestmark = pytest.mark.no_es


@pytest.fixture
def sent(settings):
    settings.ELASTICSEARCH_ENABLED = True
    with mock.patch("search.tasks.search_index_object.apply_async") as send:
        yield send


def calls(send, label):
    return [(tuple(c.kwargs["args"]), c.kwargs["kwargs"]) for c in send.call_args_list if c.kwargs["args"][0] == label]


def search_messages(label):
    """The outbox messages the search receivers queued for `label` (other apps queue their own)."""
    return OutboxMessage.objects.filter(task="search.tasks.search_index_object", args__0=label)


def test_create_edit_delete_send_the_entry_after_commit(sent, alice, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        entry = make_entry(alice, acme, 9, "ACME kickoff")
        assert not sent.called  # nothing before the commit
    assert search_messages("timeentries.timeentry").count() == 1
    assert calls(sent, "timeentries.timeentry") == [(("timeentries.timeentry", entry.pk), {"cascade": False})]

    sent.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        entry.description = "ACME kickoff, rescheduled"
        entry.save()
    assert calls(sent, "timeentries.timeentry") == [(("timeentries.timeentry", entry.pk), {"cascade": False})]

    sent.reset_mock()
    pk = entry.pk
    with django_capture_on_commit_callbacks(execute=True):
        entry.delete()
    assert calls(sent, "timeentries.timeentry") == [(("timeentries.timeentry", pk), {"cascade": False})]


def test_a_rolled_back_transaction_sends_nothing(sent, alice, acme, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_entry(alice, acme, 9, "never happened")
        raise RuntimeError("boom")
    assert not search_messages("timeentries.timeentry").exists()
    assert not sent.called


def test_renaming_a_project_cascades_to_its_entries(sent, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        acme.archived = True
        acme.save()
    assert calls(sent, "timeentries.project") == [(("timeentries.project", acme.pk), {"cascade": False})]

    sent.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        acme.name = "Acme shop"
        acme.save()
    assert calls(sent, "timeentries.project") == [(("timeentries.project", acme.pk), {"cascade": True})]


def test_a_sign_in_does_not_reindex_the_user(sent, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alice.save(update_fields=["last_login"])
        alice.first_name = "Alicia"
        alice.save()
    # One send, for the rename (which the entries copy), none for the sign-in.
    assert calls(sent, "users.user") == [(("users.user", alice.pk), {"cascade": True})]


def test_nothing_is_sent_while_elasticsearch_is_disabled(settings, alice, acme, django_capture_on_commit_callbacks):
    settings.ELASTICSEARCH_ENABLED = False
    with (
        mock.patch("search.tasks.search_index_object.apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        make_entry(alice, acme, 9, "ACME kickoff")
    assert not search_messages("timeentries.timeentry").exists()
    assert not send.called


def test_renaming_a_user_client_task_or_team_cascades(sent, alice, acme, team_a, django_capture_on_commit_callbacks):
    client, task = acme.client, acme.tasks.create(name="Design")
    with django_capture_on_commit_callbacks(execute=True):
        alice.first_name = "Alicia"
        alice.save()
        client.name = "Acme Corporation"
        client.save()
        task.name = "Visual design"
        task.save()
        team_a.name = "Team Alpha"
        team_a.save()
    assert calls(sent, "users.user") == [(("users.user", alice.pk), {"cascade": True})]
    assert calls(sent, "timeentries.client") == [(("timeentries.client", client.pk), {"cascade": True})]
    assert calls(sent, "timeentries.task")[-1] == (("timeentries.task", task.pk), {"cascade": True})
    assert calls(sent, "users.team") == [(("users.team", team_a.pk), {"cascade": True})]

    sent.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        client.save()  # nothing copied changed: no document of its own, nothing to send
        alice.timezone = "Europe/London"
        alice.save()
    assert calls(sent, "timeentries.client") == []
    assert calls(sent, "users.user") == [(("users.user", alice.pk), {"cascade": False})]


def test_what_documents_copy_is_declared_once():
    """The fields the signals watch and the dependents the indexer follows both come from the
    documents' `copies`: the tables below are what those declarations say."""
    watched, dependents = signals.DENORMALIZED_FIELDS, indexing.DEPENDENTS
    assert watched == {
        Project: ("name", "code", "client_id"),
        Task: ("name",),
        Client: ("name",),
        User: ("first_name", "last_name", "email", "team_id"),
        Team: ("name",),
    }
    assert dependents == {
        "timeentries.project": (("timeentries.timeentry", "project_id"), ("timeentries.task", "project_id")),
        "timeentries.task": (("timeentries.timeentry", "task_id"),),
        "timeentries.client": (("timeentries.project", "client_id"), ("timeentries.timeentry", "project__client_id")),
        "users.user": (("timeentries.timeentry", "user_id"), ("leave.leaverequest", "user_id")),
        "users.team": (("users.user", "team_id"),),
    }
