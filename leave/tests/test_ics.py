"""ICS feeds: secret URLs a calendar app subscribes to without signing in."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from icalendar import Calendar

from leave import services
from leave.ics import leave_calendar_ics, leave_event_summary
from leave.models import CalendarFeed

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 2 March 2026
FEEDS = "/api/v1/leave/calendar-feeds"
ICS = "/api/v1/leave/calendar.ics"


def leave(user, leave_type, start, end, *, approver=None, **extra):
    request = services.leave_request_create(
        actor=user,
        leave_type=leave_type,
        start_date=date.fromisoformat(start),
        end_date=date.fromisoformat(end),
        **extra,
    )
    if approver is not None:
        request = services.leave_request_approve(request_id=request.pk, actor=approver)
    return request


def feed_urls(client) -> dict[str, str]:
    response = client.get(FEEDS)
    assert response.status_code == 200, response.json()
    return {feed["scope"]: feed["url"] for feed in response.json()["results"]}


def events_of(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def fetch(anon, url, **headers):
    return anon.get(url.removeprefix("http://testserver"), **headers)


@pytest.mark.django_db
def test_personal_feed_has_approved_leave_as_all_day_events(anon, api, funded, bob, vacation, sick):
    trip = leave(funded, vacation, "2026-03-09", "2026-03-13", approver=bob)
    afternoon = leave(funded, vacation, "2026-03-20", "2026-03-20", approver=bob, start_half="afternoon")
    doctor = leave(funded, sick, "2026-03-03", "2026-03-03", start_half="morning")  # approved at once
    pending = leave(funded, vacation, "2026-04-07", "2026-04-08")
    cancelled = leave(funded, vacation, "2026-04-13", "2026-04-14", approver=bob)
    services.leave_request_cancel(request_id=cancelled.pk, actor=funded)

    urls = feed_urls(api(funded))
    assert list(urls) == ["personal", "team"]  # team mates share their absences by default (issue 14)
    assert urls["personal"].startswith("http://testserver/api/v1/leave/calendar.ics?token=")

    events = events_of(fetch(anon, urls["personal"], HTTP_ACCEPT="text/calendar"))
    assert set(events) == {f"leave-{r.pk}@timetracker" for r in (trip, afternoon, doctor)}
    assert f"leave-{pending.pk}@timetracker" not in events and f"leave-{cancelled.pk}@timetracker" not in events

    event = events[f"leave-{trip.pk}@timetracker"]
    assert event.decoded("DTSTART") == date(2026, 3, 9)
    assert event.decoded("DTEND") == date(2026, 3, 14)  # exclusive
    assert str(event["SUMMARY"]) == f"{funded} \u2013 Vacation"
    trip.refresh_from_db()
    assert event.decoded("DTSTAMP") == trip.updated_at

    assert str(events[f"leave-{afternoon.pk}@timetracker"]["SUMMARY"]).endswith("(half day: afternoon)")
    assert str(events[f"leave-{doctor.pk}@timetracker"]["SUMMARY"]) == f"{funded} \u2013 Sick (half day: morning)"


@pytest.mark.django_db
def test_team_feed_shows_the_managers_people_only(anon, api, funded, bob, dave, erin, vacation, sick):
    alices = leave(funded, vacation, "2026-03-09", "2026-03-10", approver=bob)
    daves = leave(dave, sick, "2026-03-09", "2026-03-09")
    urls = feed_urls(api(bob))
    assert set(urls) == {"personal", "team"}

    team = events_of(fetch(anon, urls["team"]))
    assert set(team) == {f"leave-{alices.pk}@timetracker"}
    assert events_of(fetch(anon, urls["personal"])) == {}
    assert set(events_of(fetch(anon, feed_urls(api(erin))["team"]))) == {f"leave-{daves.pk}@timetracker"}


@pytest.mark.django_db
def test_regenerating_retires_the_old_address(anon, api, funded, bob):
    old = feed_urls(api(funded))["personal"]
    feed = CalendarFeed.objects.get(user=funded, scope=CalendarFeed.Scope.PERSONAL)
    assert api(bob).post(f"{FEEDS}/{feed.pk}/regenerate").status_code == 404  # not bob's feed

    response = api(funded).post(f"{FEEDS}/{feed.pk}/regenerate")
    assert response.status_code == 200
    new = response.json()["url"]
    assert new != old and feed_urls(api(funded))["personal"] == new
    assert fetch(anon, old).status_code == 404
    assert fetch(anon, new).status_code == 200


@pytest.mark.parametrize("query", ["", "?token=", "?token=wrong"])
@pytest.mark.django_db
def test_wrong_or_missing_token_is_404_even_for_calendar_clients(anon, query):
    response = anon.get(f"{ICS}{query}", HTTP_ACCEPT="text/calendar")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_a_nul_byte_in_the_token_is_a_400_not_a_500(anon):
    response = anon.get(f"{ICS}?token=%00", HTTP_ACCEPT="text/calendar")
    assert response.status_code == 400


@pytest.mark.django_db
def test_deactivated_owner_feed_is_404(anon, api, funded):
    url = feed_urls(api(funded))["personal"]
    funded.is_active = False
    funded.save()
    assert fetch(anon, url).status_code == 404


@pytest.mark.django_db
def test_feed_ignores_credentials_and_is_rate_limited_per_address(anon, api, funded):
    url = feed_urls(api(funded))["personal"]
    assert fetch(api(funded), url).status_code == 200  # a JWT changes nothing
    statuses = [fetch(anon, url).status_code for _ in range(120)]
    assert statuses.count(429) == 1 and statuses[-1] == 429  # the 121st in the minute
    assert fetch(anon, url).json()["code"] == "throttled"


def test_summary_marks_half_days():
    def request(**extra):
        values = {"start_date": date(2026, 3, 6), "end_date": date(2026, 3, 10), "start_half": "", "end_half": ""}
        values.update(extra)
        return SimpleNamespace(user="Alice Adler", leave_type=SimpleNamespace(name="Vacation"), **values)

    assert leave_event_summary(request()) == "Alice Adler \u2013 Vacation"
    assert leave_event_summary(request(start_half="afternoon", end_half="morning")) == (
        "Alice Adler \u2013 Vacation (half day: afternoon on 2026-03-06; half day: morning on 2026-03-10)"
    )
    single = request(end_date=date(2026, 3, 6), end_half="morning")
    assert leave_event_summary(single) == "Alice Adler \u2013 Vacation (half day: morning)"


def test_ics_is_valid_for_an_empty_feed_and_the_last_representable_day():
    empty = Calendar.from_ical(leave_calendar_ics([], name="Nobody"))
    assert empty["X-WR-CALNAME"] == "Nobody" and empty.walk("VEVENT") == []
    last = SimpleNamespace(
        pk=1,
        user="Alice Adler",
        leave_type=SimpleNamespace(name="Vacation"),
        start_date=date.max,
        end_date=date.max,
        start_half="",
        end_half="",
        updated_at=NOW,
    )
    (event,) = Calendar.from_ical(leave_calendar_ics([last], name="Edge")).walk("VEVENT")
    assert event.decoded("DTSTART") == date.max
