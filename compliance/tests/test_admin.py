"""The compliance admin: managers see their teams' violations and acknowledge them with a
comment (row by row, through the service); admins edit policies through `policy_save`."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from compliance.models import Violation, WorkingTimePolicy
from compliance.tests.factories import violation_of
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

VIOLATIONS = "/admin/compliance/violation/"
POLICIES = "/admin/compliance/workingtimepolicy/"


def admin_client(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def acknowledge(client, *violations, **extra):
    data = {"action": "acknowledge_selected", "_selected_action": [v.pk for v in violations], "index": "0", **extra}
    return client.post(VIOLATIONS, data)


def test_bobs_changelist_shows_alices_violations_not_daves(alice, bob, dave, alices, daves, password):
    response = admin_client(bob, password).get(VIOLATIONS)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [alices]
    html = response.content.decode()
    assert str(alice) in html and str(dave) not in html
    assert admin_client(bob, password).get(f"{VIOLATIONS}{daves.pk}/change/").status_code == 302  # not found
    assert admin_client(bob, password).get(f"{VIOLATIONS}{alices.pk}/change/").status_code == 200


def test_violations_are_only_looked_at(bob, carol, alices, password):
    for user in (bob, carol):
        client = admin_client(user, password)
        detail = client.get(f"{VIOLATIONS}{alices.pk}/change/")
        assert detail.status_code == 200 and not detail.context["has_change_permission"]
        assert client.get(f"{VIOLATIONS}add/").status_code == 403
        assert client.get(f"{VIOLATIONS}{alices.pk}/delete/").status_code == 403
        assert "delete_selected" not in dict(client.get(VIOLATIONS).context["action_form"].fields["action"].choices)


def test_acknowledge_asks_for_a_comment_then_reports_each_row(alice, bob, alices, password):
    bobs_own = violation_of(bob)
    client = admin_client(bob, password)

    asked = acknowledge(client, alices)
    assert asked.status_code == 200
    assert "admin/confirm_action.html" in [t.name for t in asked.templates]
    assert "What is done about these violations?" in asked.content.decode()
    empty = acknowledge(client, alices, post="yes", comment="")
    assert empty.status_code == 200 and empty.context["form"].errors["comment"]
    alices.refresh_from_db()
    assert alices.status == Violation.Status.OPEN

    done = acknowledge(client, alices, bobs_own, post="yes", comment="Spoke to the team about rests.")
    assert done.status_code == 302
    reported = messages_of(done)
    assert ("success", f"{alices}: acknowledged.") in reported
    assert ("error", f"{bobs_own}: You cannot acknowledge your own violation.") in reported
    alices.refresh_from_db()
    bobs_own.refresh_from_db()
    assert alices.status == Violation.Status.ACKNOWLEDGED and alices.comment == "Spoke to the team about rests."
    assert alices.acknowledged_by == bob and bobs_own.status == Violation.Status.OPEN
    assert AuditEvent.objects.filter(action="violation_acknowledged", actor=bob, target_id=str(alices.pk)).exists()

    client.get(done["Location"])  # shows (and so clears) the messages
    again = acknowledge(client, alices, post="yes", comment="Once more")
    assert messages_of(again) == [("error", f"{alices}: The violation is acknowledged.")]


def test_a_manager_cannot_acknowledge_another_teams_violation(bob, daves, password):
    response = acknowledge(admin_client(bob, password), daves, post="yes", comment="Not mine")
    # The action only ever sees the changelist's (scoped) rows: nothing is selected.
    assert response.status_code == 302
    daves.refresh_from_db()
    assert daves.status == Violation.Status.OPEN


# --- policies ----------------------------------------------------------------------------------


def policy_form(**fields) -> dict:
    return {
        "name": "Night shift",
        "enforcement": "warn",
        "require_clocked_times": "auto",
        "max_weekly_hours": "48",
        "reference_period_weeks": "17",
        "min_daily_rest_hours": "11",
        "min_weekly_rest_hours": "24",
        "max_daily_hours": "10",
        "break_after_hours": "6",
        "break_minutes": "30",
        "long_break_after_hours": "9",
        "long_break_minutes": "45",
        "min_break_gap_minutes": "15",
        "account_cap_hours": "",
        "account_cap_period": "month",
        "night_start": "23:00",
        "night_end": "06:00",
        "night_average_period": "month",
        **fields,
    }


def test_carol_adds_a_team_policy_through_the_service(carol, team_a, password):
    response = admin_client(carol, password).post(
        f"{POLICIES}add/", policy_form(teams=[team_a.pk], enforcement="block", max_weekly_hours="45")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    policy = WorkingTimePolicy.objects.get(name="Night shift")
    assert list(policy.teams.all()) == [team_a]
    assert policy.enforcement == "block" and policy.max_weekly_hours == Decimal("45")
    assert AuditEvent.objects.filter(action="policy_saved", actor=carol, target_id=str(policy.pk)).exists()


def test_a_refused_policy_shows_the_services_reason_and_saves_nothing(carol, team_a, password):
    client = admin_client(carol, password)
    client.post(f"{POLICIES}add/", policy_form(teams=[team_a.pk]))

    response = client.post(f"{POLICIES}add/", policy_form(name="Office", teams=[team_a.pk]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["teams"] == ["A team can follow only one policy."]
    assert not WorkingTimePolicy.objects.filter(name="Office").exists()


def test_carol_changes_the_default_policy(carol, password):
    default = WorkingTimePolicy.objects.get(is_default=True)
    response = admin_client(carol, password).post(
        f"{POLICIES}{default.pk}/change/", policy_form(name=default.name, is_default="on", max_weekly_hours="44")
    )
    assert response.status_code == 302
    default.refresh_from_db()
    assert default.max_weekly_hours == Decimal("44") and default.is_default


def test_managers_only_look_at_policies(bob, team_a, password):
    default = WorkingTimePolicy.objects.get(is_default=True)
    client = admin_client(bob, password)
    listed = client.get(POLICIES)
    assert listed.status_code == 200 and list(listed.context["cl"].result_list) == [default]
    detail = client.get(f"{POLICIES}{default.pk}/change/")
    assert detail.status_code == 200 and not detail.context["has_change_permission"]
    assert client.get(f"{POLICIES}add/").status_code == 403
    refused = client.post(f"{POLICIES}{default.pk}/change/", policy_form(name=default.name, max_weekly_hours="60"))
    assert refused.status_code == 403
    assert client.get(f"{POLICIES}{default.pk}/delete/").status_code == 403
    default.refresh_from_db()
    assert default.max_weekly_hours == Decimal("48")


def test_a_new_default_policy_takes_over_the_flag(carol, password):
    client = admin_client(carol, password)
    response = client.post(f"{POLICIES}add/", policy_form(name="Company rules", is_default="on"))

    assert response.status_code == 302
    assert list(WorkingTimePolicy.objects.filter(is_default=True).values_list("name", flat=True)) == ["Company rules"]


def test_zero_limits_are_refused_on_the_field(carol, password):
    response = admin_client(carol, password).post(f"{POLICIES}add/", policy_form(max_weekly_hours="0"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"max_weekly_hours": ["Give a limit above zero."]}
    assert not WorkingTimePolicy.objects.filter(name="Night shift").exists()
