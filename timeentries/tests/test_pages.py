"""The server-rendered pages, through the Django test client: sign in, the week grid and its
cells, timer, submission, and the team's approvals."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from timeentries import services
from timeentries.models import Project, Task, TimeEntry, Timesheet
from users.tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")  # the personas' time zone (users/tests/factories.py)
NOW = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)  # Thursday of 2026-W46, 16:00 in Berlin
WEEK = "2026-W46"  # Mon 9 Nov to Sun 15 Nov 2026
LOGIN, LOGOUT = "/accounts/login/", "/accounts/logout/"
GRID, CELL, TEAM = "/timesheet/", "/timesheet/cell/", "/timesheet/team/"
HTMX = {"HX-Request": "true"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, Berlin time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def thursday():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def web(db):
    return Project.objects.create(code="WEB", name="Website")


@pytest.fixture
def design(web):
    return Task.objects.create(project=web, name="Design")


@pytest.fixture
def as_user(client):
    def sign_in(user) -> Client:
        client.force_login(user)
        return client

    return sign_in


def log(user, project, task, start, end) -> TimeEntry:
    return services.time_entry_create(actor=user, project=project, task=task, start=start, end=end)


def post_cell(client, project, task, day: str, hours, *, htmx=False):
    data = {"project": project.pk, "task": task.pk if task else "", "day": day, "hours": hours}
    return client.post(CELL, data, headers=HTMX if htmx else {})


def cell_inputs(html: str) -> list[str]:
    return re.findall(r'<input class="cell-input"[^>]*>', html)


def day_totals(response) -> dict[str, str]:
    return {day["date"].isoformat(): day["total"] for day in response.context["days"]}


# --- sign in and out -----------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_signs_in_with_a_session_and_follows_a_safe_next(client, alice, password):
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert b'name="email"' in page.content and b'name="password"' in page.content

    wrong = client.post(LOGIN, {"email": "alice@example.com", "password": "not-it"})
    assert wrong.status_code == 200
    assert b"The email or password is wrong" in wrong.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed").count() == 1

    signed_in = client.post(LOGIN + "?next=/timesheet/team/", {"email": "ALICE@example.com", "password": password})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/timesheet/team/"
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert AuditEvent.objects.filter(action="login", actor=alice, data__method="session").exists()


@pytest.mark.django_db
def test_login_ignores_a_next_that_leaves_the_site(client, alice, password):
    response = client.post(LOGIN, {"email": alice.email, "password": password, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/timesheet/"


@pytest.mark.django_db
def test_login_page_shares_the_api_login_rate_limit(client, alice, password):
    for _ in range(5):
        assert client.post(LOGIN, {"email": alice.email, "password": "guess"}).status_code == 200
    blocked = client.post(LOGIN, {"email": alice.email, "password": password})
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) >= 1
    assert b"Too many requests" in blocked.content
    assert "_auth_user_id" not in client.session
    # The API token login counts in the same groups, so it is blocked too.
    api_login = {"email": alice.email, "password": password}
    assert client.post("/api/v1/auth/token", api_login, content_type="application/json").status_code == 429


@pytest.mark.django_db
def test_pages_send_anonymous_visitors_to_the_login_page(client):
    for url in (GRID, TEAM, "/timesheet/team/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN}?next=")


@pytest.mark.django_db
def test_logout_asks_on_get_and_signs_out_on_post_with_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    confirm = client.get(LOGOUT)
    assert confirm.status_code == 200
    assert b'method="post"' in confirm.content
    assert "_auth_user_id" in client.session

    assert client.post(LOGOUT).status_code == 403  # no CSRF token
    assert "_auth_user_id" in client.session

    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', confirm.content)[1].decode()
    signed_out = client.post(LOGOUT, {"csrfmiddlewaretoken": token})
    assert signed_out.status_code == 302
    assert signed_out["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_cell_post_without_csrf_token_is_refused(alice, web, thursday):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert post_cell(client, web, None, "2026-11-10", 2).status_code == 403
    assert not TimeEntry.objects.exists()


# --- the week grid ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_grid_shows_rows_cells_and_day_totals_of_the_users_local_week(
    as_user, alice, dave, web, design, internal, thursday
):
    log(alice, web, design, at(9, 8), at(9, 12))
    log(alice, internal, None, at(9, 13), at(9, 14, 30))
    log(alice, web, design, at(10, 9), at(10, 17))
    log(alice, web, design, at(2, 9), at(2, 17))  # the week before: not on this grid
    log(dave, web, design, at(11, 9), at(11, 17))  # someone else's time

    response = as_user(alice).get(GRID, {"week": WEEK})

    assert response.status_code == 200
    assert day_totals(response) == {
        "2026-11-09": "5.5",
        "2026-11-10": "8",
        "2026-11-11": "0",
        "2026-11-12": "0",
        "2026-11-13": "0",
        "2026-11-14": "0",
        "2026-11-15": "0",
    }
    assert response.context["total"] == "13.5"
    rows = {row.label: [cell.hours for cell in row.cells] + [row.total] for row in response.context["rows"]}
    assert rows == {
        "INT Internal": ["1.5", "", "", "", "", "", "", "1.5"],
        "WEB Website, Design": ["4", "8", "", "", "", "", "", "12"],
    }
    html = response.content.decode()
    # Mon..Thu are editable (two rows, four days each) except the three cells holding
    # clocked entries: those link to their day. Friday to Sunday are still to come.
    assert len(cell_inputs(html)) == 5
    assert f'id="cell-{internal.pk}-0-2026-11-10"' in html
    assert f'id="cell-{web.pk}-{design.pk}-2026-11-09"' not in html
    assert re.search(r'<a class="cell-value cell-value--clocked" href="/timesheet/day/2026-11-09/">4<', html)
    assert '<label class="visually-hidden" for="cell-' in html
    # Each day header opens its day.
    assert html.count('<a class="grid__daylink" href="/timesheet/day/') == 7


@pytest.mark.django_db
def test_grid_defaults_to_the_current_week_and_rejects_a_bad_week(as_user, alice, thursday):
    client = as_user(alice)
    assert client.get(GRID).context["week"]["label"] == WEEK
    bad = client.get(GRID, {"week": "2026-45"})
    assert bad.status_code == 400
    assert b"Use an ISO week such as 2026-W45." in bad.content


@pytest.mark.django_db
def test_pages_keep_to_the_content_security_policy(as_user, alice, web, design, thursday):
    log(alice, web, design, at(9, 9), at(9, 12))
    response = as_user(alice).get(GRID)
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert not re.search(r"\sstyle=|<style|\son[a-z]+=", html)
    assert all('src="/static/' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert """hx-headers='{"X-CSRFToken": """ in html
    assert '"includeIndicatorStyles": false' in html


@pytest.mark.django_db
def test_cell_creates_updates_and_deletes_the_entry(as_user, alice, web, design, thursday):
    client = as_user(alice)

    created = post_cell(client, web, design, "2026-11-10", "3")
    assert created.status_code == 302
    entry = TimeEntry.objects.get(user=alice)
    # A duration on its day: no start or end is invented.
    assert (entry.kind, entry.day, entry.duration) == (TimeEntry.Kind.DURATION, date(2026, 11, 10), timedelta(hours=3))
    assert (entry.start, entry.end) == (None, None)
    assert (entry.project, entry.task) == (web, design)

    for typed in ("5:15", "5,25", "5.25"):  # the same hours, as people type them
        post_cell(client, web, design, "2026-11-10", typed)
        entry.refresh_from_db()
        assert entry.duration == timedelta(hours=5, minutes=15)
    assert TimeEntry.objects.count() == 1

    cleared = post_cell(client, web, design, "2026-11-10", "0", htmx=True)
    assert cleared.status_code == 200
    assert not TimeEntry.objects.exists()
    fragment = cleared.content.decode()
    assert fragment.lstrip().startswith('<td class="grid__cell')  # just the cell, swapped in place
    assert "<html" not in fragment
    assert cell_inputs(fragment) == [
        f'<input class="cell-input" id="cell-{web.pk}-{design.pk}-2026-11-10" type="text" name="hours" value="" '
        'maxlength="8" inputmode="decimal" autocomplete="off">'
    ]
    # The emptied row stays on the grid so the person can type again.
    assert len(cell_inputs(client.get(GRID).content.decode())) == 4


@pytest.mark.django_db
def test_cell_with_htmx_returns_the_cell_and_the_new_totals_out_of_band(
    as_user, alice, web, design, internal, thursday
):
    client = as_user(alice)
    first = post_cell(client, web, design, "2026-11-09", "6", htmx=True).content.decode()
    # The first entry of the week opens its timesheet: status and submit button follow.
    assert '<div id="week-status" class="status status--open" hx-swap-oob="true">' in first
    assert '<div id="submit-week" class="submit-week" hx-swap-oob="true">' in first
    assert "Submit week 2026-W46 for approval" in first

    response = post_cell(client, internal, None, "2026-11-09", "1.5", htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<td id="row-total-{internal.pk}-0" class="grid__total" hx-swap-oob="true">1.5</td>' in html
    assert re.search(r'<td id="day-total-2026-11-09" [^>]*hx-swap-oob="true">7.5</td>', html)
    assert '<td id="week-total" class="grid__total grid__weektotal" hx-swap-oob="true">7.5</td>' in html


@pytest.mark.django_db
def test_cell_post_for_a_row_not_on_the_grid_swaps_the_whole_grid(as_user, alice, team_b, thursday):
    closed = Project.objects.create(code="BEE", name="Team B only")
    closed.teams.add(team_b)
    response = post_cell(as_user(alice), closed, None, "2026-11-10", "2", htmx=True)
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#grid", "outerHTML")
    assert "may not log time to project BEE" in response.content.decode()
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_a_day_over_24_hours_is_refused_next_to_the_day(as_user, alice, web, design, internal, thursday):
    client = as_user(alice)
    post_cell(client, web, design, "2026-11-10", "8")
    assert post_cell(client, internal, None, "2026-11-10", "16").status_code == 302
    assert set(TimeEntry.objects.values_list("start", flat=True)) == {None}  # durations, no times

    refused = post_cell(client, web, design, "2026-11-10", "8.5", htmx=True)
    html = refused.content.decode()
    message = "Tue 10 Nov would hold 24.5 hours of work (16 h logged already); a day has 24 hours."
    cell_id = f"cell-{web.pk}-{design.pk}-2026-11-10"
    assert f'<p class="cell-error" id="{cell_id}-error">{message}</p>' in html
    # Next to the day, in its live region, swapped in out of band.
    assert (
        '<td id="day-notice-2026-11-10" class="grid__notice" aria-live="polite" hx-swap-oob="innerHTML">'
        f'<p class="day-notice">{message}</p></td>'
    ) in html
    assert TimeEntry.objects.get(project=web).duration == timedelta(hours=8)

    page = post_cell(client, web, design, "2026-11-10", "8.5")
    assert page.status_code == 400
    assert f'<p class="day-notice">{message}</p>' in page.content.decode()


@pytest.mark.django_db
def test_compliance_warnings_of_a_cell_come_back_next_to_the_day(as_user, alice, web, design, internal, thursday):
    log(alice, internal, None, at(10, 7), at(10, 18))  # 11 clocked hours, over the daily 10
    client = as_user(alice)

    response = post_cell(client, web, design, "2026-11-10", "1", htmx=True)

    notice = re.search(r'<td id="day-notice-2026-11-10"[^>]*>(.*?)</td>', response.content.decode())
    assert notice and "more than the 10 h allowed" in notice[1]
    # Without JavaScript the warning comes back with the week.
    follow = post_cell(client, web, design, "2026-11-10", "2")
    assert follow.status_code == 302
    assert "more than the 10 h allowed" in client.get(follow["Location"]).content.decode()


@pytest.mark.django_db
def test_cell_note_and_row_details_describe_the_duration_entries(as_user, alice, web, design, thursday):
    client = as_user(alice)
    saved = client.post(
        "/timesheet/rows/save/",
        {"week": WEEK, "project": web.pk, "task": design.pk, "description": "Logo work", "billable": ""},
    )
    assert saved.status_code == 302
    post_cell(client, web, design, "2026-11-09", "2")  # a new cell takes the row's details
    entry = TimeEntry.objects.get(day=date(2026, 11, 9))
    assert (entry.description, entry.billable) == ("", False)
    data = {"project": web.pk, "task": design.pk, "day": "2026-11-10", "hours": "1", "note": "Call with ACME"}
    client.post(CELL, data)
    assert TimeEntry.objects.get(day=date(2026, 11, 10)).description == "Call with ACME"

    client.post(
        "/timesheet/rows/save/",
        {"week": WEEK, "project": web.pk, "task": design.pk, "description": "Design", "billable": "on"},
    )
    assert set(TimeEntry.objects.values_list("description", "billable")) == {("Design", True)}
    html = client.get(GRID).content.decode()
    assert '<label for="row-description-' in html and 'value="Design"' in html
    assert f'<label class="visually-hidden" for="cell-{web.pk}-{design.pk}-2026-11-09-note">' in html


@pytest.mark.parametrize(
    ("day", "hours", "message"),
    [
        ("2026-11-10", "30", "30 is more than 24 hours, the length of a day."),
        ("2026-11-10", "-1", "“-1” is not an amount of hours."),
        ("2026-11-13", "2", "The day cannot be after today."),
    ],
)
@pytest.mark.django_db
def test_invalid_cell_shows_the_error_next_to_it_and_saves_nothing(
    as_user, alice, web, design, thursday, day, hours, message
):
    client = as_user(alice)

    page = post_cell(client, web, design, day, hours)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert b'class="cell-error"' in page.content or b'class="alert alert--error"' in page.content

    fragment = post_cell(client, web, design, day, hours, htmx=True)
    assert fragment.status_code == 200
    assert message in fragment.content.decode()
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_error_of_an_editable_cell_is_rendered_inside_that_cell(as_user, alice, web, design, thursday):
    response = post_cell(as_user(alice), web, design, "2026-11-10", "30", htmx=True)
    cell_id = f"cell-{web.pk}-{design.pk}-2026-11-10"
    html = response.content.decode()
    assert f'aria-describedby="{cell_id}-error"' in html
    assert 'value="30"' in html  # what was typed stays, to be corrected
    assert re.search(rf'<p class="cell-error" id="{cell_id}-error">30 is more than 24 hours', html)


@pytest.mark.django_db
def test_cell_with_clocked_entries_links_to_its_day(as_user, alice, web, design, thursday):
    log(alice, web, design, at(9, 8), at(9, 10))
    log(alice, web, design, at(9, 14), at(9, 15))
    client = as_user(alice)

    html = client.get(GRID).content.decode()
    assert f'id="cell-{web.pk}-{design.pk}-2026-11-09"' not in html
    assert re.search(r'<a class="cell-value cell-value--clocked" href="/timesheet/day/2026-11-09/">3<', html)

    refused = post_cell(client, web, design, "2026-11-09", "1")
    assert refused.status_code == 400
    assert b"This cell holds 3 h of entries with start and end" in refused.content
    assert TimeEntry.objects.count() == 2


@pytest.mark.django_db
def test_rows_can_be_added_removed_and_copied_from_last_week(as_user, alice, web, design, internal, thursday):
    log(alice, web, design, at(3, 9), at(3, 12))  # last week, 2026-W45
    client = as_user(alice)

    assert client.post("/timesheet/rows/add/", {"week": WEEK, "row-work": str(internal.pk)}).status_code == 302
    labels = [row.label for row in client.get(GRID, {"week": WEEK}).context["rows"]]
    assert labels == ["INT Internal"]

    assert client.post("/timesheet/rows/copy/", {"week": WEEK}).status_code == 302
    rows = client.get(GRID, {"week": WEEK}).context["rows"]
    assert [row.label for row in rows] == ["INT Internal", "WEB Website, Design"]
    assert all(cell.hours == "" for row in rows for cell in row.cells)

    client.post("/timesheet/rows/remove/", {"week": WEEK, "work": str(internal.pk)})
    assert [row.label for row in client.get(GRID, {"week": WEEK}).context["rows"]] == ["WEB Website, Design"]
    assert not TimeEntry.objects.filter(start__gte=at(9, 0)).exists()

    nothing = client.post("/timesheet/rows/copy/", {"week": "2026-W40"})
    assert nothing.status_code == 400
    assert b"Week 2026-W39 has no rows to copy." in nothing.content


@pytest.mark.django_db
def test_add_row_offers_only_projects_the_user_may_log_to(as_user, alice, team_b, web, design, thursday):
    team_b_only = Project.objects.create(code="BEE", name="Team B only")
    team_b_only.teams.add(team_b)
    Project.objects.create(code="OLD", name="Archived", archived=True)
    client = as_user(alice)

    html = client.get(GRID).content.decode()
    assert "WEB Website" in html and "BEE" not in html and "OLD" not in html
    refused = client.post("/timesheet/rows/add/", {"week": WEEK, "row-work": str(team_b_only.pk)})
    assert refused.status_code == 400
    assert b"Select a valid choice" in refused.content


@pytest.mark.django_db
def test_timer_starts_and_stops_from_the_page(as_user, alice, web, design, thursday):
    client = as_user(alice)
    started = client.post(
        "/timesheet/timer/start/", {"week": WEEK, "timer-work": f"{web.pk}:{design.pk}", "timer-description": "Logo"}
    )
    assert started.status_code == 302
    running = TimeEntry.objects.get(user=alice, end__isnull=True)
    assert (running.project, running.task, running.description, running.start) == (web, design, "Logo", NOW)

    page = client.get(GRID).content.decode()
    assert "Running on" in page and "16:00" in page  # shown in Berlin time
    assert "Stop timer" in page and "Start timer" not in page
    assert "timer running" in page  # its cell is read-only while it runs
    # The live counter: static/js/timer.js ticks every [data-timer-started] (no inline script);
    # without JavaScript the time since the start is printed.
    assert f'data-timer-started="{NOW.astimezone(alice.tzinfo).isoformat()}"' in page
    assert 'src="/static/js/timer.js"' in page

    thursday.shift(timedelta(minutes=90))
    stopped = client.post("/timesheet/timer/stop/", {"week": WEEK})
    assert stopped.status_code == 302
    running.refresh_from_db()
    assert running.end == NOW + timedelta(minutes=90)
    assert day_totals(client.get(GRID))["2026-11-12"] == "1.5"

    again = client.post("/timesheet/timer/stop/", {"week": WEEK})
    assert again.status_code == 409
    assert b"No timer is running." in again.content


@pytest.mark.django_db
def test_timer_start_shows_the_service_error_inline(as_user, alice, web, thursday):
    log(alice, web, None, at(9, 9), at(9, 17))
    services.timesheet_submit(timesheet_id=Timesheet.objects.get(user=alice).pk, actor=alice, comment="Short week")
    client = as_user(alice)
    response = client.post("/timesheet/timer/start/", {"week": WEEK, "timer-work": str(web.pk)})
    assert response.status_code == 409
    assert b"Week 2026-W46 is submitted; ask your manager to reopen it." in response.content
    assert not TimeEntry.objects.filter(end__isnull=True).exists()


@pytest.mark.django_db
def test_timer_offers_no_archived_project(as_user, alice, web, thursday):
    web.archived = True
    web.save()
    response = as_user(alice).post("/timesheet/timer/start/", {"week": WEEK, "timer-work": str(web.pk)})
    assert response.status_code == 400
    assert b"Select a valid choice" in response.content
    assert not TimeEntry.objects.exists()


@pytest.mark.django_db
def test_submit_week(as_user, alice, web, design, thursday):
    client = as_user(alice)
    empty = client.post("/timesheet/submit/", {"week": WEEK})
    assert empty.status_code == 409  # the service's answer (issue 13: the page said 400)
    assert b"Week 2026-W46 has no time entries to submit." in empty.content
    assert b"This week is empty, so there is nothing to submit yet." in client.get(GRID).content

    post_cell(client, web, design, "2026-11-09", "8")
    client.post("/timesheet/timer/start/", {"week": WEEK, "timer-work": str(web.pk)})
    blocked = client.post("/timesheet/submit/", {"week": WEEK})
    assert blocked.status_code == 409
    assert b"Stop the running timer before submitting week 2026-W46." in blocked.content

    thursday.shift(timedelta(minutes=5))
    client.post("/timesheet/timer/stop/", {"week": WEEK})
    # 8 h of 40 expected: the page asks for a comment for the manager, and keeps the week open.
    asked = client.post("/timesheet/submit/", {"week": WEEK})
    assert asked.status_code == 400
    html = asked.content.decode()
    assert "add a comment for your manager" in html
    assert '<label for="submit-comment">Comment for your manager</label>' in html
    assert "Submit week 2026-W46 with this comment" in html
    assert Timesheet.objects.get(user=alice).status == Timesheet.Status.OPEN
    submitted = client.post("/timesheet/submit/", {"week": WEEK, "comment": "Three days of leave"})
    assert submitted.status_code == 302
    assert Timesheet.objects.get(user=alice).submit_comment == "Three days of leave"
    assert Timesheet.objects.get(user=alice).status == Timesheet.Status.SUBMITTED
    page = client.get(GRID).content.decode()
    assert "Submitted on Thu 12 Nov, 16:05, waiting for approval." in page
    assert cell_inputs(page) == []


@pytest.mark.django_db
def test_submitting_an_empty_week_answers_409_with_the_services_message(as_user, api, alice, web, design, thursday):
    """Issue 13: a week never touched answered 400 with the page's own words, while the
    service (and the API) answer 409 `empty_week`."""
    client = as_user(alice)
    untouched = client.post("/timesheet/submit/", {"week": WEEK})

    post_cell(client, web, design, "2026-11-09", "8")
    post_cell(client, web, design, "2026-11-09", "0")  # the week keeps its timesheet, now empty
    emptied = client.post("/timesheet/submit/", {"week": WEEK})
    timesheet = Timesheet.objects.get(user=alice)
    by_api = api(alice).post(f"/api/v1/timesheets/{timesheet.pk}/submit")

    message = "Week 2026-W46 has no time entries to submit."
    assert (by_api.status_code, by_api.json()["code"], by_api.json()["detail"]) == (409, "empty_week", message)
    for response in (untouched, emptied):
        assert response.status_code == 409
        assert response.context["errors"]["submit"] == message
    timesheet.refresh_from_db()
    assert timesheet.status == Timesheet.Status.OPEN


@pytest.mark.django_db
def test_grid_offers_a_cell_exactly_on_the_days_the_service_accepts(as_user, alice, carol, web, design, thursday):
    services.lock_period_set(actor=carol, locked_before=date(2026, 11, 10))
    client = as_user(alice)
    client.post("/timesheet/rows/add/", {"week": WEEK, "row-work": f"{web.pk}:{design.pk}"})
    offered = {cell.day for row in client.get(GRID).context["rows"] for cell in row.cells if cell.editable}

    accepted = set()
    for offset in range(7):
        day = date(2026, 11, 9) + timedelta(days=offset)
        if post_cell(client, web, design, day.isoformat(), "1").status_code == 302:
            accepted.add(day)

    assert offered == accepted == {date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12)}


@pytest.mark.django_db
def test_grid_rounds_hours_half_up_like_every_other_surface(as_user, alice, web, design, thursday):
    """Issue 13: 8 h 07 min 30 s read 8.12 on the grid but 8.13 in the reports."""
    log(alice, web, design, at(9, 9), at(9, 17, 7) + timedelta(seconds=30))

    response = as_user(alice).get(GRID, {"week": WEEK})

    row = response.context["rows"][0]
    assert (row.cells[0].hours, row.total) == ("8.13", "8.13")
    assert (day_totals(response)["2026-11-09"], response.context["total"]) == ("8.13", "8.13")


@pytest.mark.django_db
def test_approved_week_is_read_only(as_user, alice, bob, web, design, thursday):
    entry = log(alice, web, design, at(9, 9), at(9, 17))
    timesheet = Timesheet.objects.get(user=alice)
    services.timesheet_submit(timesheet_id=timesheet.pk, actor=alice, comment="Short week")
    services.timesheet_approve(timesheet_id=timesheet.pk, actor=bob, comment="Thanks")
    client = as_user(alice)

    html = client.get(GRID).content.decode()
    assert cell_inputs(html) == []
    assert not re.search(r"<input(?![^>]*type=\"hidden\")[^>]*>", html.split('id="grid"')[1])
    assert "Add row" not in html and "Submit week" not in html and "Start timer" not in html
    assert "Approved by Bob" in html and "Thanks" in html

    refused = post_cell(client, web, design, "2026-11-10", "2")
    assert refused.status_code == 409
    assert b"Week 2026-W46 is approved; ask your manager to reopen it." in refused.content
    refused_htmx = post_cell(client, web, design, "2026-11-10", "2", htmx=True)
    assert b"Week 2026-W46 is approved" in refused_htmx.content
    entry.refresh_from_db()
    assert (entry.start, entry.end) == (at(9, 9), at(9, 17))


@pytest.mark.django_db
def test_days_before_the_payroll_lock_are_read_only(as_user, alice, carol, web, design, thursday):
    services.lock_period_set(actor=carol, locked_before=date(2026, 11, 11))
    client = as_user(alice)
    response = client.get(GRID)
    editable = {cell.day.isoformat() for row in response.context["rows"] for cell in row.cells if cell.editable}
    assert editable == set()  # no rows yet; add one
    client.post("/timesheet/rows/add/", {"week": WEEK, "row-work": f"{web.pk}:{design.pk}"})
    response = client.get(GRID)
    editable = {cell.day.isoformat() for row in response.context["rows"] for cell in row.cells if cell.editable}
    assert editable == {"2026-11-11", "2026-11-12"}
    assert b"Time before Wed 11 Nov 2026 is closed for payroll" in response.content
    refused = post_cell(client, web, design, "2026-11-10", "2")
    assert refused.status_code == 409
    assert b"closed for payroll" in refused.content


@pytest.mark.django_db
def test_grid_query_count_does_not_grow_with_entries(
    as_user, alice, web, design, internal, thursday, django_assert_max_num_queries
):
    client = as_user(alice)
    client.post("/timesheet/rows/add/", {"week": WEEK, "row-work": str(internal.pk)})  # a session row too

    def add_entries(count: int) -> None:
        made = TimeEntry.objects.filter(user=alice).count()
        for index in range(made, made + count):
            day, slot = 9 + index // 8, index % 8
            project, task = (web, design) if index % 2 else (internal, None)
            log(alice, project, task, at(day, 8 + slot), at(day, 8 + slot, 30))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(GRID).status_code == 200
        return len(captured)

    add_entries(3)
    with django_assert_max_num_queries(10):  # one of them asks which months are closed
        few = queries()
    add_entries(27)
    with django_assert_max_num_queries(10):
        many = queries()
    assert TimeEntry.objects.filter(user=alice).count() == 30
    assert many == few


# --- the team ---------------------------------------------------------------------------------


@pytest.fixture
def alice_submitted(alice, web, design, thursday):
    log(alice, web, design, at(9, 9), at(9, 17))
    log(alice, web, design, at(10, 9), at(10, 13, 30))
    timesheet = Timesheet.objects.get(user=alice)
    return services.timesheet_submit(timesheet_id=timesheet.pk, actor=alice, comment="Two days at a client")


@pytest.mark.django_db
def test_team_page_lists_members_hours_and_status(as_user, bob, alice, dave, alice_submitted):
    response = as_user(bob).get(TEAM, {"week": WEEK})
    assert response.status_code == 200
    rows = {row["member"].email: (row["hours"], row["status"]) for row in response.context["rows"]}
    assert rows == {"alice@example.com": ("12.5", "submitted")}  # bob himself and team B are not listed
    html = response.content.decode()
    assert f'href="/timesheet/team/{alice.pk}/?week={WEEK}"' in html
    assert "Approve 2026-W46" in html
    assert "Alice wrote:</span> Two days at a client" in html  # her comment on submitting
    label = re.search(r'<label for="(ts\d+-reject-comment)">Reason for rejecting', html)
    assert label and f'<textarea id="{label[1]}" name="comment"' in html


@pytest.mark.django_db
def test_team_page_query_count_does_not_grow_with_members(
    as_user, bob, alice, team_a, web, thursday, django_assert_max_num_queries
):
    client = as_user(bob)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(TEAM, {"week": WEEK}).status_code == 200
        return len(captured)

    log(alice, web, None, at(9, 9), at(9, 17))
    with django_assert_max_num_queries(6):
        one = queries()
    for number in range(5):
        member = UserFactory(team=team_a)
        log(member, web, None, at(10, 9 + number), at(10, 10 + number))
    with django_assert_max_num_queries(6):
        six = queries()
    assert six == one
    assert len(client.get(TEAM, {"week": WEEK}).context["rows"]) == 6


@pytest.mark.django_db
def test_admin_sees_everyone_on_the_team_page(as_user, carol, alice, bob, dave, erin, alice_submitted):
    emails = {row["member"].email for row in as_user(carol).get(TEAM, {"week": WEEK}).context["rows"]}
    assert emails == {"alice@example.com", "bob@example.com", "dave@example.com", "erin@example.com"}


@pytest.mark.django_db
def test_manager_approves_a_submitted_week(as_user, bob, alice, alice_submitted):
    client = as_user(bob)
    approved = client.post(f"/timesheet/timesheets/{alice_submitted.pk}/approve/", {"comment": ""})
    assert approved.status_code == 302
    assert approved["Location"] == f"{TEAM}?week={WEEK}"
    alice_submitted.refresh_from_db()
    assert (alice_submitted.status, alice_submitted.decided_by) == (Timesheet.Status.APPROVED, bob)
    assert b"week 2026-W46 is approved" in client.get(approved["Location"]).content

    twice = client.post(f"/timesheet/timesheets/{alice_submitted.pk}/approve/")
    assert twice.status_code == 409
    assert b"Week 2026-W46 is approved, not submitted." in twice.content


@pytest.mark.django_db
def test_manager_rejects_only_with_a_comment(as_user, bob, alice, alice_submitted):
    client = as_user(bob)
    url = f"/timesheet/timesheets/{alice_submitted.pk}/reject/"

    no_reason = client.post(url, {"comment": "  "})
    assert no_reason.status_code == 400
    assert b"Say why the week is rejected." in no_reason.content
    alice_submitted.refresh_from_db()
    assert alice_submitted.status == Timesheet.Status.SUBMITTED

    rejected = client.post(url, {"comment": "Tuesday looks short", "back": "member"})
    assert rejected.status_code == 302
    assert rejected["Location"] == f"/timesheet/team/{alice.pk}/?week={WEEK}"
    alice_submitted.refresh_from_db()
    assert alice_submitted.status == Timesheet.Status.REJECTED

    alice_page = as_user(alice).get(GRID).content.decode()
    assert "Rejected by" in alice_page and "Tuesday looks short" in alice_page
    assert "Submit week 2026-W46 for approval" in alice_page
    assert len(cell_inputs(alice_page)) == 2  # editable again (Mon and Tue hold clocked entries)


@pytest.mark.django_db
def test_manager_reopens_an_approved_week(as_user, bob, alice, alice_submitted):
    services.timesheet_approve(timesheet_id=alice_submitted.pk, actor=bob)
    client = as_user(bob)
    assert b"Reopen for editing" in client.get(TEAM, {"week": WEEK}).content
    assert client.post(f"/timesheet/timesheets/{alice_submitted.pk}/reopen/").status_code == 302
    alice_submitted.refresh_from_db()
    assert alice_submitted.status == Timesheet.Status.OPEN


@pytest.mark.django_db
def test_manager_is_offered_reopen_wherever_the_service_accepts_it(as_user, bob, alice, alice_submitted):
    """Issue 13: the pages offered "Reopen" for approved weeks only, while the service
    reopens submitted and rejected ones too."""
    client = as_user(bob)
    member_week = f"/timesheet/team/{alice.pk}/"
    for page in (client.get(TEAM, {"week": WEEK}), client.get(member_week, {"week": WEEK})):
        assert b"Reopen for editing" in page.content and b"Approve 2026-W46" in page.content
    assert client.post(f"/timesheet/timesheets/{alice_submitted.pk}/reopen/").status_code == 302
    alice_submitted.refresh_from_db()
    assert alice_submitted.status == Timesheet.Status.OPEN
    assert b"Reopen for editing" not in client.get(TEAM, {"week": WEEK}).content  # open already

    services.timesheet_submit(timesheet_id=alice_submitted.pk, actor=alice, comment="Again")
    services.timesheet_reject(timesheet_id=alice_submitted.pk, actor=bob, comment="Short")
    page = client.get(member_week, {"week": WEEK}).content
    assert b"Reopen for editing" in page and b"Approve 2026-W46" not in page
    assert client.post(f"/timesheet/timesheets/{alice_submitted.pk}/reopen/", {"back": "member"}).status_code == 302
    alice_submitted.refresh_from_db()
    assert alice_submitted.status == Timesheet.Status.OPEN


@pytest.mark.django_db
def test_manager_opens_a_members_week_read_only(as_user, bob, alice, alice_submitted):
    response = as_user(bob).get(f"/timesheet/team/{alice.pk}/", {"week": WEEK})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Alice" in html
    assert cell_inputs(html) == []
    assert response.context["total"] == "12.5"
    assert "Approve 2026-W46" in html and "Start timer" not in html
    assert "Alice's comment on submitting:" in html and "Two days at a client" in html


@pytest.mark.django_db
def test_employee_gets_403_on_team_pages(as_user, alice, bob, alice_submitted):
    client = as_user(alice)
    assert client.get(TEAM).status_code == 403
    assert client.get(f"/timesheet/team/{bob.pk}/").status_code == 403
    assert client.post(f"/timesheet/timesheets/{alice_submitted.pk}/approve/").status_code == 403
    alice_submitted.refresh_from_db()
    assert alice_submitted.status == Timesheet.Status.SUBMITTED


@pytest.mark.django_db
def test_other_teams_manager_gets_404_for_alice(as_user, erin, alice, alice_submitted):
    client = as_user(erin)
    assert client.get(f"/timesheet/team/{alice.pk}/", {"week": WEEK}).status_code == 404
    assert client.post(f"/timesheet/timesheets/{alice_submitted.pk}/approve/").status_code == 404
    assert client.post(f"/timesheet/timesheets/{alice_submitted.pk}/reject/", {"comment": "no"}).status_code == 404
    alice_submitted.refresh_from_db()
    assert alice_submitted.status == Timesheet.Status.SUBMITTED
    assert alice.email not in client.get(TEAM, {"week": WEEK}).content.decode()


@pytest.mark.django_db
def test_manager_cannot_approve_his_own_week(as_user, bob, web, thursday):
    log(bob, web, None, at(9, 9), at(9, 17))
    timesheet = services.timesheet_submit(timesheet_id=Timesheet.objects.get(user=bob).pk, actor=bob, comment="Short")
    response = as_user(bob).post(f"/timesheet/timesheets/{timesheet.pk}/approve/")
    assert response.status_code == 403
    assert b"your own" in response.content
    timesheet.refresh_from_db()
    assert timesheet.status == Timesheet.Status.SUBMITTED
