import pytest
from django.test import Client

from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def admin_client(user, password):
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def test_manager_sees_only_their_team_in_the_admin(bob, alice, dave, password):
    client = admin_client(bob, password)
    page = client.get("/admin/users/user/")
    assert page.status_code == 200
    html = page.content.decode()
    assert alice.email in html and dave.email not in html
    assert client.get(f"/admin/users/user/{dave.pk}/change/").status_code == 302  # not found -> back to index
    assert client.post(f"/admin/users/user/{alice.pk}/change/", {"role": "admin"}).status_code == 403


def test_employee_cannot_use_the_admin(alice, password):
    client = Client()
    client.login(email=alice.email, password=password)
    assert client.get("/admin/users/user/").status_code == 302


def test_admin_role_change_in_the_admin_goes_through_the_service(carol, alice, password):
    client = admin_client(carol, password)
    response = client.post(
        f"/admin/users/user/{alice.pk}/change/",
        {
            "email": alice.email,
            "first_name": alice.first_name,
            "last_name": alice.last_name,
            "timezone": alice.timezone,
            # The hours and work days are read-only now (contract versions, issue 15); the
            # contract inline posts its management form.
            "employment_start": alice.employment_start.isoformat(),
            "role": "manager",
            "team": alice.team_id,
            "is_active": "on",
            "contracts-TOTAL_FORMS": "0",
            "contracts-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    alice.refresh_from_db()
    assert alice.role == "manager" and alice.is_staff
    assert alice.groups.filter(name="Managers").exists()
    assert AuditEvent.objects.get(action="role_changed").actor == carol


def test_session_login_is_audited(carol, password):
    admin_client(carol, password)
    assert AuditEvent.objects.filter(action="login", actor=carol, data__method="session").exists()
