"""The compliance page as managers use it: their people's open violations with an
acknowledge form, and everyone's rolling weekly average for the current week."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from compliance.models import Violation
from compliance.tests.factories import violation_of, worked
from core.models import AuditEvent
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/compliance/"


def signed_in(user, password) -> Client:
    client = Client()
    assert client.login(email=user.email, password=password)
    return client


def acknowledge_url(violation) -> str:
    return f"/compliance/violations/{violation.pk}/acknowledge/"


@pytest.fixture
def daves_short_rest(dave):
    return violation_of(dave, message="Dave rested too little.")


def test_bob_sees_alices_open_violation_and_the_weekly_averages(
    frozen_2026_03_04, alice, bob, alices, daves_short_rest, ops, password
):
    worked(alice, ops, date(2026, 3, 2), 8, 5)
    worked(alice, ops, date(2026, 3, 3), 8, 5)
    violation_of(alice, rule=Violation.Rule.BREAKS, status=Violation.Status.ACKNOWLEDGED, measured=0, limit=30)

    response = signed_in(bob, password).get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    [row] = response.context["violations"]
    assert row["violation"] == alices
    assert (row["period"], row["measured"], row["limit"]) == ("Mon 2 Mar 2026 to Tue 3 Mar 2026", "8 h", "11 h")
    assert alices.message in html and "Dave rested too little." not in html
    assert f'action="/compliance/violations/{alices.pk}/acknowledge/"' in html
    assert f'<label for="v{alices.pk}-comment">' in html and f'id="v{alices.pk}-comment"' in html
    # 10 h from Monday 2 March, the first entry: 10 h over 7 days is 10 h a week.
    [member] = response.context["members"]
    assert member["member"] == alice
    assert (member["hours"], member["average"], member["limit"], member["above_limit"]) == ("10", "10", "48", False)
    assert member["over"] == "over 7 days"
    assert 'aria-current="page">Compliance</a>' in html
    # The CSP allows no inline style or script.
    assert "style=" not in html and "<script>" not in html


def test_a_team_above_the_limit_is_flagged(frozen_2026_03_04, alice, bob, ops, password):
    for day in range(2, 5):
        worked(alice, ops, date(2026, 3, day), 0, 5)
        worked(alice, ops, date(2026, 3, day), 5.5, 5)
        worked(alice, ops, date(2026, 3, day), 11, 5)
        worked(alice, ops, date(2026, 3, day), 16.5, 5)
    [member] = signed_in(bob, password).get(PAGE).context["members"]
    # 60 h in three days; over the 7 days of the week so far that is 60 h a week.
    assert (member["hours"], member["average"], member["above_limit"]) == ("60", "60", True)


def test_bob_acknowledges_on_the_page(frozen_2026_03_04, alice, bob, alices, password):
    client = signed_in(bob, password)
    response = client.post(acknowledge_url(alices), {"comment": "Rota changed from next week."})

    assert response.status_code == 302 and response["Location"] == PAGE
    alices.refresh_from_db()
    assert alices.status == Violation.Status.ACKNOWLEDGED and alices.acknowledged_by == bob
    assert alices.comment == "Rota changed from next week."
    assert AuditEvent.objects.filter(action="violation_acknowledged", actor=bob).exists()
    [message] = [m.message for m in get_messages(response.wsgi_request)]
    assert message == "Alice " + alice.last_name + ": daily rest, Mon 2 Mar 2026 to Tue 3 Mar 2026 is acknowledged."
    assert client.get(PAGE).context["violations"] == []


def test_acknowledging_without_a_comment_shows_the_reason_next_to_the_form(frozen_2026_03_04, bob, alices, password):
    response = signed_in(bob, password).post(acknowledge_url(alices), {"comment": " "})

    assert response.status_code == 400
    [row] = response.context["violations"]
    assert row["form"].errors["comment"] == ["Say what is done about it."]
    assert 'aria-invalid="true"' in response.content.decode()
    alices.refresh_from_db()
    assert alices.status == Violation.Status.OPEN


def test_an_acknowledged_violation_answers_409_with_the_reason_on_the_page(
    frozen_2026_03_04, bob, carol, alices, password
):
    signed_in(carol, password).post(acknowledge_url(alices), {"comment": "HR is on it."})
    response = signed_in(bob, password).post(acknowledge_url(alices), {"comment": "Me too."})
    assert response.status_code == 409
    assert response.context["page_error"] == "The violation is acknowledged."


def test_employees_get_403_and_other_teams_404(frozen_2026_03_04, alice, erin, alices, password):
    client = signed_in(alice, password)
    assert client.get(PAGE).status_code == 403
    assert client.post(acknowledge_url(alices), {"comment": "I will rest."}).status_code == 403
    assert 'href="/compliance/"' not in client.get("/timesheet/").content.decode()
    assert signed_in(erin, password).post(acknowledge_url(alices), {"comment": "Not mine."}).status_code == 404
    alices.refresh_from_db()
    assert alices.status == Violation.Status.OPEN


def test_the_page_needs_a_sign_in():
    response = Client().get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_page_costs_the_same_queries_with_more_people(
    frozen_2026_03_04, bob, team_a, ops, password, django_assert_max_num_queries
):
    client = signed_in(bob, password)

    def add(count: int) -> None:
        for _ in range(count):
            person = UserFactory(team=team_a)
            worked(person, ops, date(2026, 3, 2), 8, 4)
            violation_of(person)

    add(2)
    with django_assert_max_num_queries(12):
        assert len(client.get(PAGE).context["members"]) == 2
    add(8)
    with django_assert_max_num_queries(12):
        assert len(client.get(PAGE).context["members"]) == 10
