"""Bulk writes bypass model signals, so auditlog never sees them: each call site of
`QuerySet.update()`, `bulk_create`, `bulk_update` (and the deletes and SET_NULL updates that
run without signals) must write its own audit row. One test per call site, through the
public surface that reaches it."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from core.models import AuditEvent
from core.tasks import audit_purge_expired_task
from users.models import User

pytestmark = pytest.mark.django_db


# users/services.py, user_tokens_revoke: BlacklistedToken.objects.bulk_create(...)


def test_password_change_records_the_token_revocation(api, alice, password):
    client = api(alice)  # one session (an outstanding refresh token)…
    RefreshToken.for_user(alice)  # …and a second one
    live = OutstandingToken.objects.filter(user=alice).count()

    response = client.post("/api/v1/users/me/password", {"old_password": password, "new_password": "new-long-phrase-1"})

    assert response.status_code in (200, 204), response.content
    assert BlacklistedToken.objects.filter(token__user=alice).count() == live
    event = AuditEvent.objects.get(action="tokens_revoked")
    assert (event.actor, event.subject, event.data) == (alice, alice, {"count": live})


def test_deactivation_records_the_token_revocation_by_the_admin(api, carol, alice):
    RefreshToken.for_user(alice)

    response = api(carol).post(f"/api/v1/users/{alice.pk}/deactivate")

    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(action="tokens_revoked")
    assert (event.actor, event.subject, event.data) == (carol, alice, {"count": 1})


# users/services.py, auth_login: User.objects.filter(pk=...).update(last_login=...)
# (last_login is excluded from auditlog on purpose; the "login" event is its audit row)


def test_token_login_updates_last_login_and_records_the_login(anon, alice, password):
    response = anon.post("/api/v1/auth/token", {"email": alice.email, "password": password})

    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.last_login is not None
    event = AuditEvent.objects.get(action="login")
    assert (event.actor, event.subject, event.data) == (alice, alice, {"method": "jwt", "mfa": False})
    assert event.created_at >= alice.last_login - timedelta(seconds=5)


# core/audit.py, audit_purge_expired: batched QuerySet.delete() of AuditEvent and LogEntry


def test_retention_purge_records_what_it_deleted(settings, alice):
    settings.AUDIT_RETENTION = 30
    AuditEvent.objects.bulk_create([AuditEvent(action="old") for _ in range(3)])
    AuditEvent.objects.filter(action="old").update(created_at=timezone.now() - timedelta(days=31))
    LogEntry.objects.update(timestamp=timezone.now() - timedelta(days=31))
    log_entries = LogEntry.objects.count()

    audit_purge_expired_task.delay().get()

    assert not AuditEvent.objects.filter(action="old").exists() and not LogEntry.objects.exists()
    event = AuditEvent.objects.get(action="audit_purged")
    assert (event.data["events"], event.data["log_entries"]) == (3, log_entries)


# users/services.py, team_delete: team.delete() sets the members' team to NULL with one
# SQL UPDATE (on_delete=SET_NULL), which auditlog does not see.


def test_deleting_a_team_leaves_field_history_on_each_former_member(api, carol, alice, team_a):
    team_id = team_a.pk
    response = api(carol).delete(f"/api/v1/teams/{team_a.pk}")

    assert response.status_code == 204, response.content
    alice.refresh_from_db()
    assert alice.team is None
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_pk=str(alice.pk), action=LogEntry.Action.UPDATE
    ).latest("timestamp")
    assert entry.actor == carol
    assert entry.changes_dict["team"] == [str(team_id), "None"]
