"""Receivers hand ids to the index task after the commit, and only then."""

from unittest import mock

import pytest
from django.db import transaction

from search.tests.conftest import make_entry

pytestmark = pytest.mark.no_es


@pytest.fixture
def sent(settings):
    settings.ELASTICSEARCH_ENABLED = True
    with mock.patch("search.tasks.search_index_object.delay") as delay:
        yield delay


def calls(delay, label):
    return [(c.args, c.kwargs) for c in delay.call_args_list if c.args[0] == label]


def search_callbacks(callbacks):
    """The on-commit callbacks the search receivers queued (other apps queue their own)."""
    return [callback for callback in callbacks if callback.__module__ == "search.signals"]


def test_create_edit_delete_send_the_entry_after_commit(sent, alice, acme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        entry = make_entry(alice, acme, 9, "ACME kickoff")
        assert not sent.called  # nothing before the commit
    assert len(search_callbacks(callbacks)) == 1
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
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_entry(alice, acme, 9, "never happened")
        raise RuntimeError("boom")
    assert search_callbacks(callbacks) == []
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
        mock.patch("search.tasks.search_index_object.delay") as delay,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        make_entry(alice, acme, 9, "ACME kickoff")
    assert search_callbacks(callbacks) == []
    assert not delay.called


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
