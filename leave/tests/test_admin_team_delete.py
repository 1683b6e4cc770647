"""Bug "the admin's bulk delete skips services": deleting teams from the team changelist
("Delete selected teams") calls `team_delete` for each team, in one transaction — the
`team_deleted` audit event, each member's team cleared in their field history, their coming
leave re-counted — and a refusal of any one team deletes none."""

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from core.errors import Conflict
from core.models import AuditEvent
from leave import selectors, services
from users import services as user_services
from users.models import Team

pytestmark = pytest.mark.django_db

TEAMS = "/admin/users/team/"


@pytest.fixture
def alice_booked_in_may(frozen_2026_03_02, alice, bob, bavaria, vacation):
    """Alice (on team A, Bavaria's calendar) has 11-15 May 2026 approved; 14 May is a
    Bavarian holiday, so 4 days are debited."""
    alice.date_joined = datetime(2020, 1, 1, tzinfo=UTC)
    alice.save()
    services.holiday_create(calendar=bavaria, day=date(2026, 5, 14), name="Ascension")
    services.leave_accrue_year(year=2026)
    request = services.leave_request_create(
        actor=alice, leave_type=vacation, start_date=date(2026, 5, 11), end_date=date(2026, 5, 15)
    )
    services.leave_request_approve(request_id=request.pk, actor=bob)
    assert request.__class__.objects.get(pk=request.pk).working_days == 4
    return request


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def bulk_delete(client, *teams, confirmed=True):
    data = {"action": "delete_selected", "_selected_action": [team.pk for team in teams]}
    return client.post(TEAMS, {**data, "post": "yes"} if confirmed else data, follow=confirmed)


def test_bulk_deleting_a_team_calls_team_delete(carol, alice, team_a, vacation, alice_booked_in_may, password):
    client = signed_in(carol, password)
    assert "delete_selected" in dict(client.get(TEAMS).context["action_form"].fields["action"].choices)
    confirmation = bulk_delete(client, team_a, confirmed=False)
    assert confirmation.status_code == 200 and "Are you sure" in confirmation.content.decode()

    response = bulk_delete(client, team_a)

    assert response.status_code == 200
    assert not Team.objects.filter(pk=team_a.pk).exists()
    assert AuditEvent.objects.filter(action="team_deleted", actor=carol, target_id=str(team_a.pk)).count() == 1
    alice.refresh_from_db()
    assert alice.team is None
    alice_booked_in_may.refresh_from_db()
    assert alice_booked_in_may.working_days == 5  # no longer on Bavaria's calendar: 14 May is a working day
    assert selectors.leave_balance_as_of(alice, vacation, date(2026, 12, 31)) == 25 - 5
    assert AuditEvent.objects.filter(action="leave_recalculated", target_id=str(alice_booked_in_may.pk)).count() == 1


def test_a_refused_team_deletes_none_and_says_why(monkeypatch, carol, alice, dave, team_a, team_b, password):
    real_team_delete = user_services.team_delete

    def team_delete(*, team, **kwargs):
        if team.pk == team_b.pk:
            raise Conflict("Team B still has open timesheets.")
        return real_team_delete(team=team, **kwargs)

    monkeypatch.setattr(user_services, "team_delete", team_delete)

    response = bulk_delete(signed_in(carol, password), team_a, team_b)

    assert response.status_code == 200
    assert "Team B still has open timesheets." in response.content.decode()
    assert Team.objects.filter(pk__in=[team_a.pk, team_b.pk]).count() == 2
    assert not AuditEvent.objects.filter(action="team_deleted").exists()
    alice.refresh_from_db()
    dave.refresh_from_db()
    assert (alice.team, dave.team) == (team_a, team_b)
