"""Contract versions and employment dates (issue 15) through the API, the admin and the
daily job. The clock is frozen on Wednesday 4 March 2026 (Europe/Berlin for the personas)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from core.schedules import PERIODIC_TASKS
from leave.models import LeaveRequest
from leave.services import leave_accrue_year
from timeentries.models import TimeEntry
from users.models import Contract, User
from users.tasks import contract_mirror_today
from users.tests.factories import UserFactory

URL = "/api/v1/contracts"

pytestmark = pytest.mark.usefixtures("frozen_2026_03_04")


def version(user, valid_from, hours, work_days="12345", **extra) -> dict:
    return {"user": user.pk, "valid_from": valid_from, "weekly_hours": hours, "work_days": work_days, **extra}


def terms(user) -> tuple:
    user.refresh_from_db()
    return user.weekly_contract_hours, user.work_days


def test_a_version_from_a_past_day_is_mirrored_on_the_user_and_shown_on_users(api, carol, alice):
    created = api(carol).post(URL, version(alice, "2026-03-01", "20", "123"), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["weekly_hours"] == "20.0" and created.json()["user"] == alice.pk
    assert terms(alice) == (Decimal(20), "123")

    shown = api(carol).get(f"/api/v1/users/{alice.pk}").json()
    assert shown["contract"]["id"] == created.json()["id"]
    assert (shown["weekly_contract_hours"], shown["work_days"]) == ("20.0", "123")
    assert shown["employment_start"] == "2020-01-01" and shown["employment_end"] is None
    assert AuditEvent.objects.filter(action="contract_created", subject=alice).count() == 1
    # People see their own employment and contract on their profile, and cannot change them.
    mine = api(alice).get("/api/v1/users/me").json()
    assert (mine["employment_start"], mine["employment_end"]) == ("2020-01-01", None)
    assert (mine["contract"]["weekly_hours"], mine["contract"]["work_days"]) == ("20.0", "123")
    ignored = api(alice).patch("/api/v1/users/me", {"employment_start": "2026-01-01"}, format="json")
    assert ignored.status_code == 200 and ignored.json()["employment_start"] == "2020-01-01"


def test_a_version_from_a_later_day_changes_the_user_on_that_day_through_the_daily_job(api, carol, alice):
    assert api(carol).post(URL, version(alice, "2026-03-01", "40"), format="json").status_code == 201
    later = api(carol).post(URL, version(alice, "2026-03-05", "30", "1234"), format="json")
    assert later.status_code == 201
    assert terms(alice) == (Decimal(40), "12345")  # still today's (4 March)
    assert api(carol).get(f"/api/v1/users/{alice.pk}").json()["contract"]["valid_from"] == "2026-03-01"

    with time_machine.travel("2026-03-05T06:00:00+01:00", tick=False):
        assert contract_mirror_today.apply().result == 1
        assert terms(alice) == (Decimal(30), "1234")
        assert contract_mirror_today.apply().result == 0  # idempotent
    assert "users.tasks.contract_mirror_today" in {task for task, _ in PERIODIC_TASKS.values()}


def test_a_version_change_with_past_days_recounts_leave(api, carol, alice, bob, vacation):
    leave_accrue_year(year=2026)
    asked = api(alice).post(
        "/api/v1/leave/requests",
        {"type": vacation.pk, "start_date": "2026-03-02", "end_date": "2026-03-06"},
        format="json",
    )
    assert asked.status_code == 201, asked.json()
    request = LeaveRequest.objects.get(pk=asked.json()["id"])
    assert request.working_days == 5

    # Monday to Wednesday from the 2nd: the request is re-counted from that day.
    assert api(carol).post(URL, version(alice, "2026-03-02", "24", "123"), format="json").status_code == 201
    request.refresh_from_db()
    assert request.working_days == 3


def test_versions_are_refused_before_employment_and_twice_on_one_day(api, carol, alice):
    before = api(carol).post(URL, version(alice, "2019-12-31", "40"), format="json")
    assert before.status_code == 400 and list(before.json()["errors"]) == ["valid_from"], before.json()
    assert api(carol).post(URL, version(alice, "2026-03-01", "40"), format="json").status_code == 201
    twice = api(carol).post(URL, version(alice, "2026-03-01", "30"), format="json")
    assert twice.status_code == 400 and list(twice.json()["errors"]) == ["valid_from"]
    bad_days = api(carol).post(URL, version(alice, "2026-04-01", "40", "1238"), format="json")
    assert bad_days.status_code == 400 and "work_days" in bad_days.json()["errors"]
    assert Contract.objects.filter(user=alice).count() == 1


def test_update_and_delete_move_the_user_back_and_the_only_version_stays(api, carol, alice):
    first = api(carol).post(URL, version(alice, "2026-01-01", "40"), format="json").json()
    second = api(carol).post(URL, version(alice, "2026-03-02", "20", "12"), format="json").json()
    assert terms(alice) == (Decimal(20), "12")

    moved = api(carol).patch(f"{URL}/{second['id']}", {"valid_from": "2026-03-09"}, format="json")
    assert moved.status_code == 200 and moved.json()["user"] == alice.pk
    assert terms(alice) == (Decimal(40), "12345")  # 9 March is later: the first is in force

    assert api(carol).patch(f"{URL}/{second['id']}", {"valid_from": "2026-03-03"}, format="json").status_code == 200
    assert terms(alice) == (Decimal(20), "12")
    assert api(carol).delete(f"{URL}/{second['id']}").status_code == 204
    assert terms(alice) == (Decimal(40), "12345")

    only = api(carol).delete(f"{URL}/{first['id']}")
    assert only.status_code == 409 and Contract.objects.filter(user=alice).count() == 1


def test_contracts_are_scoped_and_written_by_admins_only(api, carol, alice, bob, dave, frank):
    rows = {
        person.email: api(carol).post(URL, version(person, "2026-01-01", "40"), format="json").json()["id"]
        for person in (alice, dave, frank)
    }

    def ids(client, **query):
        response = client.get(URL, query)
        assert response.status_code == 200, response.json()
        return sorted(row["id"] for row in response.json()["results"])

    assert ids(api(carol)) == sorted(rows.values())
    assert ids(api(bob)) == sorted([rows["alice@example.com"], rows["frank@example.com"]])
    assert ids(api(alice)) == [rows["alice@example.com"]]
    assert ids(api(alice), user=dave.pk) == []
    assert ids(api(carol), user=dave.pk) == [rows["dave@example.com"]]
    assert api(carol).get(URL, {"user": "x"}).status_code == 400
    assert api(alice).get(f"{URL}/{rows['dave@example.com']}").status_code == 404

    assert api(alice).post(URL, version(alice, "2026-03-01", "80"), format="json").status_code == 403
    alices = f"{URL}/{rows['alice@example.com']}"
    assert api(bob).patch(alices, {"weekly_hours": "80"}, format="json").status_code == 403
    assert api(bob).delete(f"{URL}/{rows['alice@example.com']}").status_code == 403
    assert terms(alice) == (Decimal(40), "12345")


def test_creating_a_user_creates_the_first_version_at_employment_start(api, carol):
    body = {"email": "new@example.com", "password": "a-long-passphrase", "weekly_contract_hours": "30"}
    created = api(carol).post("/api/v1/users", {**body, "work_days": "1234", "employment_start": "2026-04-01"})
    assert created.status_code == 201, created.json()
    assert created.json()["contract"]["valid_from"] == "2026-04-01"
    new = User.objects.get(email="new@example.com")
    assert list(new.contracts.values_list("valid_from", "weekly_hours", "work_days")) == [
        (date(2026, 4, 1), Decimal(30), "1234")
    ]

    today = api(carol).post("/api/v1/users", {**body, "email": "today@example.com", "timezone": "Pacific/Kiritimati"})
    assert today.json()["employment_start"] == "2026-03-05"  # UTC+14: already Thursday there
    assert today.json()["contract"]["valid_from"] == "2026-03-05"


def test_user_patch_ignores_contract_terms_and_checks_employment_dates(api, carol, alice):
    patched = api(carol).patch(
        f"/api/v1/users/{alice.pk}", {"weekly_contract_hours": "10", "work_days": "1"}, format="json"
    )
    assert patched.status_code == 200  # read-only fields: ignored, as DRF ignores them
    assert terms(alice) == (Decimal(40), "12345")

    bad = api(carol).patch(f"/api/v1/users/{alice.pk}", {"employment_end": "2019-12-31"}, format="json")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["employment_end"], bad.json()
    ended = api(carol).patch(f"/api/v1/users/{alice.pk}", {"employment_end": "2026-03-31"}, format="json")
    assert ended.status_code == 200 and ended.json()["employment_end"] == "2026-03-31"
    assert api(alice).patch(f"/api/v1/users/{alice.pk}", {"employment_end": None}, format="json").status_code == 403


def test_time_and_leave_only_inside_employment(api, carol, alice, acme, vacation):
    dates = {"employment_start": "2026-03-02", "employment_end": "2026-03-31"}
    assert api(carol).patch(f"/api/v1/users/{alice.pk}", dates, format="json").status_code == 200
    entries = "/api/v1/time-entries"

    early = api(alice).post(entries, {"project": acme.pk, "day": "2026-02-27", "hours": 2}, format="json")
    assert early.status_code == 400 and list(early.json()["errors"]) == ["day"], early.json()
    clocked = {"project": acme.pk, "start": "2026-03-01T09:00:00+01:00", "end": "2026-03-01T10:00:00+01:00"}
    early = api(alice).post(entries, clocked, format="json")
    assert early.status_code == 400 and list(early.json()["errors"]) == ["start"], early.json()
    first_day = {"project": acme.pk, "day": "2026-03-02", "hours": 2}
    assert api(alice).post(entries, first_day, format="json").status_code == 201
    assert TimeEntry.objects.filter(user=alice).count() == 1

    leave = "/api/v1/leave/requests"
    before = api(alice).post(leave, {"type": vacation.pk, "start_date": "2026-02-27", "end_date": "2026-03-03"})
    assert before.status_code == 400 and list(before.json()["errors"]) == ["start_date"], before.json()
    after = api(alice).post(leave, {"type": vacation.pk, "start_date": "2026-03-30", "end_date": "2026-04-01"})
    assert after.status_code == 400 and list(after.json()["errors"]) == ["end_date"], after.json()
    assert not LeaveRequest.objects.filter(user=alice).exists()


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_form(user, *rows, initial=0, **changes) -> dict:
    """The user's change form as the admin posts it, with the contract inline's rows."""
    form = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": user.timezone,
        "employment_start": user.employment_start.isoformat(),
        "employment_end": "",
        "role": user.role,
        "team": user.team_id or "",
        "is_active": "on",
        "contracts-TOTAL_FORMS": str(len(rows)),
        "contracts-INITIAL_FORMS": str(initial),
        "contracts-MIN_NUM_FORMS": "0",
        "contracts-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        form.update({f"contracts-{index}-{name}": value for name, value in row.items()})
        form[f"contracts-{index}-user"] = str(user.pk)
    return {**form, **changes}


def test_admin_add_creates_the_first_version_and_the_inline_writes_through_the_services(carol, alice):
    client = admin_client(carol)
    added = client.post(
        "/admin/users/user/add/",
        {
            "email": "new@example.com",
            "timezone": "Europe/Berlin",
            "weekly_contract_hours": "35",
            "work_days": "12345",
            "employment_start": "2026-03-02",
            "role": "employee",
            "password": "a-long-passphrase",
        },
    )
    assert added.status_code == 302, added.content.decode()[:3000]
    new = User.objects.get(email="new@example.com")
    assert list(new.contracts.values_list("valid_from", "weekly_hours")) == [(date(2026, 3, 2), Decimal(35))]

    first = new.contracts.get()
    page = client.get(f"/admin/users/user/{new.pk}/change/")
    assert page.status_code == 200
    assert "contracts-0-valid_from" in page.content.decode()
    assert 'name="weekly_contract_hours"' not in page.content.decode()  # read-only there

    keep = {"id": str(first.pk), "valid_from": "2026-03-02", "weekly_hours": "35", "work_days": "12345"}
    later = {"valid_from": "2026-03-03", "weekly_hours": "17.5", "work_days": "123"}
    saved = client.post(f"/admin/users/user/{new.pk}/change/", change_form(new, keep, later, initial=1))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert terms(new) == (Decimal("17.5"), "123")
    assert AuditEvent.objects.filter(action="contract_created", actor=carol, subject=new).count() == 1

    too_early = {"valid_from": "2026-03-01", "weekly_hours": "10", "work_days": "1"}
    refused = client.post(f"/admin/users/user/{new.pk}/change/", change_form(new, keep, too_early, initial=1))
    assert refused.status_code == 200
    assert "before that" in refused.content.decode()
    assert new.contracts.count() == 2


def test_admin_inline_deletes_a_version_through_the_service(carol, alice):
    first = Contract.objects.create(user=alice, valid_from=date(2026, 1, 1), weekly_hours=40, work_days="12345")
    second = Contract.objects.create(user=alice, valid_from=date(2026, 3, 2), weekly_hours=20, work_days="12")
    rows = [
        {"id": str(first.pk), "valid_from": "2026-01-01", "weekly_hours": "40", "work_days": "12345"},
        {"id": str(second.pk), "valid_from": "2026-03-02", "weekly_hours": "20", "work_days": "12", "DELETE": "on"},
    ]
    saved = admin_client(carol).post(f"/admin/users/user/{alice.pk}/change/", change_form(alice, *rows, initial=2))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert list(alice.contracts.values_list("pk", flat=True)) == [first.pk]
    assert AuditEvent.objects.filter(action="contract_deleted", subject=alice).count() == 1
    assert terms(alice) == (Decimal(40), "12345")


def test_the_users_list_reads_todays_versions_without_a_query_per_person(api, carol, alice, bob):
    def queries_of_the_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api(carol).get("/api/v1/users")
        assert response.status_code == 200
        return len(captured)

    api(carol).post(URL, version(alice, "2026-03-01", "20", "123"), format="json")
    few = queries_of_the_list()
    for person in UserFactory.create_batch(5):
        api(carol).post(URL, version(person, "2026-03-01", "30"), format="json")
    assert queries_of_the_list() == few
    assert api(carol).get(f"/api/v1/users/{alice.pk}").json()["contract"]["weekly_hours"] == "20.0"


def test_a_second_version_on_one_day_is_refused_in_german(api, carol, alice):
    carol.language = "de"
    carol.save(update_fields=["language"])
    assert api(carol).post(URL, version(alice, "2026-03-01", "40"), format="json").status_code == 201

    twice = api(carol).post(URL, version(alice, "2026-03-01", "30"), format="json")

    assert twice.status_code == 400
    assert twice.json()["errors"] == {"valid_from": [f"{alice} hat bereits eine Vertragsversion ab 2026-03-01."]}
