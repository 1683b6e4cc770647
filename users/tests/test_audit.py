from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.models import AuditEvent
from core.tasks import audit_purge_expired_task
from users.models import User

pytestmark = pytest.mark.django_db


def test_jwt_profile_change_is_logged_with_the_actor(api, alice):
    response = api(alice).patch("/api/v1/users/me", {"first_name": "Alicia"}, format="json", REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 200
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_pk=str(alice.pk), action=LogEntry.Action.UPDATE
    ).latest("timestamp")
    assert entry.actor == alice
    assert entry.changes_dict["first_name"][1] == "Alicia"
    assert entry.remote_addr == "192.0.2.9"


def test_admin_role_change_is_a_business_event_with_actor_and_ip(api, carol, alice):
    response = api(carol).patch(
        f"/api/v1/users/{alice.pk}", {"role": "manager"}, format="json", REMOTE_ADDR="192.0.2.1"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="role_changed")
    assert (event.actor, event.target_id, event.ip_address) == (carol, str(alice.pk), "192.0.2.1")
    assert event.data == {"from": "employee", "to": "manager"}
    log = LogEntry.objects.filter(object_pk=str(alice.pk), action=LogEntry.Action.UPDATE).latest("timestamp")
    assert log.actor == carol


def test_login_failed_login_logout_and_password_change_are_recorded(anon, api, alice, password):
    anon.post("/api/v1/auth/token", {"email": alice.email, "password": "wrong"}, REMOTE_ADDR="198.51.100.4")
    tokens = anon.post("/api/v1/auth/token", {"email": alice.email, "password": password}, REMOTE_ADDR="198.51.100.4")
    anon.post("/api/v1/auth/logout", {"refresh": tokens.json()["refresh"]})
    api(alice).post("/api/v1/users/me/password", {"old_password": password, "new_password": "new-long-phrase-1"})

    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.actor is None and failed.data["email"] == alice.email and failed.ip_address == "198.51.100.4"
    login = AuditEvent.objects.get(action="login")
    assert login.actor == alice and login.ip_address == "198.51.100.4"
    assert AuditEvent.objects.get(action="logout").actor == alice
    assert AuditEvent.objects.get(action="password_changed").actor == alice


def test_audit_retention_task_purges_only_old_rows(alice, settings):
    settings.AUDIT_RETENTION = 30
    old = AuditEvent.objects.create(action="login", actor=alice)
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    recent = AuditEvent.objects.create(action="login", actor=alice)
    LogEntry.objects.update(timestamp=timezone.now() - timedelta(days=40))
    LogEntry.objects.log_create(alice, action=LogEntry.Action.UPDATE, changes={"x": ["1", "2"]}, force_log=True)

    result = audit_purge_expired_task.delay().get()

    assert result["events"] == 1 and result["log_entries"] >= 1
    kept = AuditEvent.objects.exclude(action__in=["audit_purged", "audit_purge_batch"])
    assert list(kept.values_list("pk", flat=True)) == [recent.pk]
    assert LogEntry.objects.count() == 1
