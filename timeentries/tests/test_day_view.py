"""The day view through the Django test client: a person's local day with blocks of work
(start, end, break) and hours without times, typed the way people type, refused where it
cannot be, with the working-time warnings of each write next to the day.

The clock is `frozen_2026_11_12` (Thursday 12 November 2026, 15:00 in Berlin, the personas'
time zone); the days used are earlier that week.
"""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from compliance.models import Violation, WorkingTimePolicy
from timeentries import services
from timeentries.models import TimeEntry, Timesheet

BERLIN = ZoneInfo("Europe/Berlin")
DASH = "\u2013"  # between a block's start and end, as the pages write it
TUESDAY, WEDNESDAY = date(2026, 11, 10), date(2026, 11, 11)

pytestmark = pytest.mark.usefixtures("frozen_2026_11_12")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def url(day: date, action: str = "") -> str:
    return f"/timesheet/day/{day.isoformat()}/{action}"


def local(moment: datetime) -> str:
    return f"{moment.astimezone(BERLIN):%H:%M}"


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def block(project, start: str, end: str, *, task=None, break_minutes: str = "", **extra) -> dict:
    work = f"{project.pk}:{task.pk}" if task else str(project.pk)
    return {"work": work, "start": start, "end": end, "break_minutes": break_minutes, "description": "", **extra}


def refusals(html: str) -> str:
    """The text of the page's alerts (a refusal of what was sent)."""
    return " ".join(re.sub(r"<[^>]+>", "", text) for text in re.findall(r'role="alert">(.*?)</p>', html, re.S))


def warnings_region(html: str) -> str:
    """The text of the page's live region for working-time warnings."""
    match = re.search(r'<div id="day-warnings".*?</div>\s*</div>|<div id="day-warnings"[^>]*>\s*</div>', html, re.S)
    assert match, "the page has no warnings region"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match[0]))


# --- reading the day ----------------------------------------------------------------------------


def test_the_day_lists_clocked_blocks_and_hours_without_times(signed_in, alice, acme, acme_dev, internal):
    services.time_entry_create(
        actor=alice, project=acme, task=acme_dev, start=at(TUESDAY, 8), end=at(TUESDAY, 12), description="Sprint"
    )
    TimeEntry.objects.create(
        user=alice, project=internal, kind=TimeEntry.Kind.DURATION, day=TUESDAY, duration=timedelta(hours=1.5)
    )
    TimeEntry.objects.create(
        user=alice, project=internal, kind=TimeEntry.Kind.DURATION, day=WEDNESDAY, duration=timedelta(hours=7)
    )

    response = signed_in.get(url(TUESDAY))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Tue 10 Nov 2026" in html
    assert f"08:00{DASH}12:00" in html
    assert "ACME Acme website, Development" in html and "Sprint" in html
    assert "hours without times" in html
    assert '<span id="day-total">5.5</span>' in html  # 4 h + 1.5 h; Wednesday's 7 h are not Tuesday's


def test_another_persons_entries_are_not_reachable(signed_in, alice, dave, acme):
    theirs = services.time_entry_create(actor=dave, project=acme, start=at(TUESDAY, 9), end=at(TUESDAY, 11))

    assert f"09:00{DASH}11:00" not in signed_in.get(url(TUESDAY)).content.decode()
    assert signed_in.get(url(TUESDAY, f"entries/{theirs.pk}/")).status_code == 404
    assert signed_in.post(url(TUESDAY, f"entries/{theirs.pk}/"), block(acme, "9", "10")).status_code == 404
    assert signed_in.post(url(TUESDAY, f"entries/{theirs.pk}/delete/")).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.start, theirs.end) == (at(TUESDAY, 9), at(TUESDAY, 11))


def test_a_day_needs_a_signed_in_person_and_a_real_date(client, signed_in):
    assert signed_in.get("/timesheet/day/2026-02-30/").status_code == 404
    assert signed_in.get("/timesheet/day/1800-01-01/").status_code == 404
    client.logout()
    assert client.get(url(TUESDAY)).status_code == 302


# --- adding a block -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed_start", "typed_end"), [("9", "17"), ("9:00", "17:00"), ("0900", "1700"), ("900", "17.00")]
)
def test_times_are_typed_as_people_type_them(signed_in, alice, acme, typed_start, typed_end):
    response = signed_in.post(url(TUESDAY, "add/"), block(acme, typed_start, typed_end))

    assert response.status_code == 302
    assert response["Location"] == f"{url(TUESDAY)}#day-entries"
    entry = TimeEntry.objects.get(user=alice)
    assert (entry.start, entry.end) == (at(TUESDAY, 9), at(TUESDAY, 17))


def test_a_block_with_a_break_is_logged_and_its_hours_shown(signed_in, alice, acme, acme_dev):
    response = signed_in.post(
        url(TUESDAY, "add/"),
        block(acme, "0930", "18", task=acme_dev, break_minutes="30", description="Release", billable="no"),
        follow=True,
    )

    entry = TimeEntry.objects.get(user=alice)
    assert (entry.start, entry.end, entry.break_minutes) == (at(TUESDAY, 9, 30), at(TUESDAY, 18), 30)
    assert entry.duration == timedelta(hours=8)
    assert (entry.task, entry.description, entry.billable) == (acme_dev, "Release", False)
    html = response.content.decode()
    assert f"09:30{DASH}18:00" in html and "30 min" in html
    assert '<span id="day-total">8</span>' in html


def test_an_end_before_the_start_is_refused_unless_the_block_ends_next_day(signed_in, alice, acme):
    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "22", "2"))

    assert response.status_code == 400
    assert "End is before start" in response.content.decode()
    assert not TimeEntry.objects.exists()

    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "22", "2", ends_next_day="on"))

    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=alice)
    assert (entry.start, entry.end, entry.day) == (at(TUESDAY, 22), at(WEDNESDAY, 2), TUESDAY)
    assert f"22:00{DASH}02:00 (Wed)" in signed_in.get(url(TUESDAY)).content.decode()


def test_a_time_the_clocks_skip_is_refused_in_words(signed_in, alice, acme):
    spring_change = date(2026, 3, 29)  # Berlin: 02:00 -> 03:00

    response = signed_in.post(url(spring_change, "add/"), block(acme, "2:30", "6"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "02:30 does not exist on Sun 29 Mar 2026 in Europe/Berlin" in html
    assert not TimeEntry.objects.exists()


def test_a_time_that_happens_twice_ends_after_the_start(signed_in, alice, acme):
    autumn_change = date(2026, 10, 25)  # Berlin: 03:00 -> 02:00, 02:30 happens twice

    assert signed_in.post(url(autumn_change, "add/"), block(acme, "2:45", "2:15")).status_code == 302

    entry = TimeEntry.objects.get(user=alice)
    assert entry.start == datetime(2026, 10, 25, 0, 45, tzinfo=UTC)  # 02:45 summer time
    assert entry.end == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 02:15 winter time
    assert entry.duration == timedelta(minutes=30)


def test_errors_are_linked_to_their_field_and_the_first_one_is_focused(signed_in, acme):
    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "25:00", "17"))

    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a time of day" in html
    start_input = re.search(r'<input[^>]*name="start"[^>]*>', html)[0]
    assert 'aria-describedby="id_start_help id_start_error"' in start_input
    assert 'aria-invalid="true"' in start_input and "autofocus" in start_input
    assert 'id="id_start_error"' in html


def test_the_first_field_is_focused_and_every_control_is_labelled(signed_in):
    html = signed_in.get(url(TUESDAY)).content.decode()

    assert re.search(r'<select[^>]*name="work"[^>]*autofocus', html)
    for control in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
        if control != "site-search-q":
            assert f'for="{control}"' in html, control


def test_a_block_longer_than_a_day_is_refused_next_to_its_end(signed_in, acme):
    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "6", "8", ends_next_day="on"))

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_end_error">[^<]*24 hours', html)
    assert not TimeEntry.objects.exists()


def test_a_day_over_24_hours_is_refused(signed_in, alice, acme, internal):
    TimeEntry.objects.create(
        user=alice, project=internal, kind=TimeEntry.Kind.DURATION, day=TUESDAY, duration=timedelta(hours=20)
    )

    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "8", "13"))

    assert response.status_code == 400
    assert re.search(r'id="id_end_error">[^<]*24', response.content.decode())
    assert TimeEntry.objects.filter(project=acme).count() == 0


def test_hours_without_times_are_typed_as_people_type_them(signed_in, alice, internal):
    response = signed_in.post(url(TUESDAY, "hours/"), {"hours-work": str(internal.pk), "hours-hours": "1:30"})

    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=alice)
    assert (entry.kind, entry.day, entry.duration, entry.start) == ("duration", TUESDAY, timedelta(hours=1.5), None)

    response = signed_in.post(url(TUESDAY, "hours/"), {"hours-work": str(internal.pk), "hours-hours": "25"})
    assert response.status_code == 400
    assert re.search(r'id="id_hours-hours_error">[^<]*more than 24 hours', response.content.decode())


def test_an_overlap_names_the_other_entry_by_local_time_and_project(signed_in, alice, acme, internal):
    services.time_entry_create(actor=alice, project=acme, start=at(TUESDAY, 9), end=at(TUESDAY, 11))

    response = signed_in.post(url(TUESDAY, "add/"), block(internal, "10", "12"))

    assert response.status_code == 409
    refusal = refusals(response.content.decode())
    assert f"09:00{DASH}11:00" in refusal and "ACME" in refusal
    assert "UTC" not in refusal and "+00:00" not in refusal and f"entry {TimeEntry.objects.get().pk}" not in refusal


# --- changing and deleting ---------------------------------------------------------------------


def test_an_entry_is_changed_and_deleted(signed_in, alice, acme, internal):
    entry = services.time_entry_create(actor=alice, project=acme, start=at(TUESDAY, 9), end=at(TUESDAY, 12))

    form = signed_in.get(url(TUESDAY, f"entries/{entry.pk}/")).content.decode()
    assert 'value="09:00"' in form and 'value="12:00"' in form and "Change the block" in form

    response = signed_in.post(url(TUESDAY, f"entries/{entry.pk}/"), block(internal, "8", "1230", break_minutes="15"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.project, entry.start, entry.end, entry.break_minutes) == (
        internal,
        at(TUESDAY, 8),
        at(TUESDAY, 12, 30),
        15,
    )

    assert signed_in.post(url(TUESDAY, f"entries/{entry.pk}/delete/")).status_code == 302
    assert not TimeEntry.objects.exists()


def test_hours_without_times_are_changed_as_hours(signed_in, alice, internal):
    entry = TimeEntry.objects.create(
        user=alice, project=internal, kind=TimeEntry.Kind.DURATION, day=TUESDAY, duration=timedelta(hours=1)
    )

    form = signed_in.get(url(TUESDAY, f"entries/{entry.pk}/")).content.decode()
    assert "Change the hours" in form and 'value="1"' in form and "Change the block" not in form

    response = signed_in.post(
        url(TUESDAY, f"entries/{entry.pk}/"),
        {"hours-work": str(internal.pk), "hours-hours": "2,5", "hours-description": "Reading"},
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.kind, entry.duration, entry.description) == ("duration", timedelta(hours=2.5), "Reading")


def test_a_locked_day_offers_no_forms_and_refuses_writes(signed_in, alice, acme):
    entry = services.time_entry_create(actor=alice, project=acme, start=at(TUESDAY, 9), end=at(TUESDAY, 12))
    Timesheet.objects.filter(user=alice).update(status=Timesheet.Status.SUBMITTED)

    html = signed_in.get(url(TUESDAY)).content.decode()
    assert "This day is locked" in html and "Add block" not in html

    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "13", "14"))
    assert response.status_code == 409
    assert "2026-W46 is submitted" in refusals(response.content.decode())
    assert signed_in.post(url(TUESDAY, f"entries/{entry.pk}/delete/")).status_code == 409
    assert TimeEntry.objects.count() == 1


# --- quick fills ---------------------------------------------------------------------------------


def test_same_as_yesterday_copies_blocks_and_hours(signed_in, alice, acme, acme_dev, internal):
    services.time_entry_create(
        actor=alice, project=acme, task=acme_dev, start=at(TUESDAY, 8), end=at(TUESDAY, 12), description="Sprint"
    )
    services.time_entry_create(
        actor=alice, project=internal, start=at(TUESDAY, 13), end=at(TUESDAY, 17, 30), billable=True
    )
    TimeEntry.objects.create(
        user=alice, project=internal, kind=TimeEntry.Kind.DURATION, day=TUESDAY, duration=timedelta(minutes=45)
    )

    response = signed_in.post(url(WEDNESDAY, "same-as-yesterday/"), follow=True)

    assert "Copied 3 entries from yesterday." in response.content.decode()
    copied = TimeEntry.objects.filter(day=WEDNESDAY)
    clocked = [
        (e.project, e.task, e.start, e.end, e.description, e.billable) for e in copied.clocked().order_by("start")
    ]
    assert clocked == [
        (acme, acme_dev, at(WEDNESDAY, 8), at(WEDNESDAY, 12), "Sprint", True),
        (internal, None, at(WEDNESDAY, 13), at(WEDNESDAY, 17, 30), "", True),
    ]
    assert list(copied.durations().values_list("duration", flat=True)) == [timedelta(minutes=45)]


def test_same_as_yesterday_refuses_an_overlap_and_copies_nothing(signed_in, alice, acme, internal):
    services.time_entry_create(actor=alice, project=acme, start=at(TUESDAY, 8), end=at(TUESDAY, 12))
    services.time_entry_create(actor=alice, project=acme, start=at(TUESDAY, 13), end=at(TUESDAY, 17))
    services.time_entry_create(actor=alice, project=internal, start=at(WEDNESDAY, 14), end=at(WEDNESDAY, 15))

    response = signed_in.post(url(WEDNESDAY, "same-as-yesterday/"))

    assert response.status_code == 409
    assert f"14:00{DASH}15:00" in refusals(response.content.decode())
    assert TimeEntry.objects.filter(day=WEDNESDAY).count() == 1


def test_same_as_yesterday_says_when_yesterday_is_empty(signed_in):
    response = signed_in.post(url(WEDNESDAY, "same-as-yesterday/"))

    assert response.status_code == 400
    assert "Tue 10 Nov 2026 has no entries to copy." in refusals(response.content.decode())


@pytest.mark.parametrize(
    ("weekly", "work_days", "end", "break_minutes"),
    [
        ("40", "12345", (16, 30), 30),
        ("30", "12345", (14, 0), 0),
        ("45", "12345", (17, 30), 30),
        ("20", "12", (18, 45), 45),
    ],
)
def test_standard_day_is_the_daily_hours_from_eight_with_the_break_they_need(
    signed_in, alice, acme, weekly, work_days, end, break_minutes
):
    alice.weekly_contract_hours, alice.work_days = weekly, work_days
    alice.save()

    response = signed_in.post(url(TUESDAY, "standard/"), {"standard-work": str(acme.pk)})

    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=alice)
    assert (entry.project, entry.start, entry.end, entry.break_minutes) == (
        acme,
        at(TUESDAY, 8),
        at(TUESDAY, *end),
        break_minutes,
    )


def test_standard_day_is_refused_on_a_locked_day_and_over_other_work(signed_in, alice, acme, internal):
    services.time_entry_create(actor=alice, project=internal, start=at(TUESDAY, 15), end=at(TUESDAY, 16))

    response = signed_in.post(url(TUESDAY, "standard/"), {"standard-work": str(acme.pk)})
    assert response.status_code == 409
    assert f"15:00{DASH}16:00" in refusals(response.content.decode())

    Timesheet.objects.filter(user=alice).update(status=Timesheet.Status.APPROVED)
    response = signed_in.post(url(WEDNESDAY, "standard/"), {"standard-work": str(acme.pk)})
    assert response.status_code == 409
    assert "2026-W46 is approved" in refusals(response.content.decode())
    assert TimeEntry.objects.count() == 1


# --- working-time warnings next to the day --------------------------------------------------------


def test_a_day_without_its_break_shows_the_warning_next_to_the_day(signed_in, alice, acme):
    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "8", "16:30"), follow=True)

    region = warnings_region(response.content.decode())
    assert "Tue 10 Nov 2026" in region
    assert "rule: breaks" in region
    # shown once: the next visit has nothing new to say
    assert "rule: breaks" not in warnings_region(signed_in.get(url(TUESDAY)).content.decode())


def test_a_day_with_its_break_shows_no_warning(signed_in, alice, acme):
    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "8", "16:30", break_minutes="30"), follow=True)

    assert "rule:" not in warnings_region(response.content.decode())


def test_the_days_open_findings_are_listed_on_the_day_only(signed_in, alice, acme):
    signed_in.post(url(TUESDAY, "add/"), block(acme, "8", "16:30"))

    html = signed_in.get(url(TUESDAY)).content.decode()
    assert "Open working-time findings" in html and "<strong>Breaks:</strong>" in html
    assert "Open working-time findings" not in signed_in.get(url(WEDNESDAY)).content.decode()

    Violation.objects.update(status=Violation.Status.RESOLVED)
    assert "Open working-time findings" not in signed_in.get(url(TUESDAY)).content.decode()


def test_a_day_over_the_policys_daily_maximum_shows_the_warning(signed_in, alice, acme):
    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "7", "18:30", break_minutes="45"), follow=True)

    assert TimeEntry.objects.get().duration == timedelta(hours=10, minutes=45)
    assert "rule: daily max" in warnings_region(response.content.decode())


def test_a_blocking_policy_records_the_block_and_shows_its_rule(signed_in, alice, acme):
    """Issue 16.12: `block` holds back the week's approval, never the record of the day."""
    WorkingTimePolicy.objects.filter(is_default=True).update(enforcement="block")

    response = signed_in.post(url(TUESDAY, "add/"), block(acme, "8", "16:30"), follow=True)

    assert TimeEntry.objects.get().duration == timedelta(hours=8, minutes=30)
    assert "rule: breaks" in warnings_region(response.content.decode())


# --- the timer --------------------------------------------------------------------------------------


def test_the_running_timer_counts_on_the_day_and_its_stop_shows_the_entry(signed_in, alice, acme, frozen_2026_11_12):
    services.timer_start(actor=alice, project=acme)
    today = date(2026, 11, 12)

    html = signed_in.get(url(today)).content.decode()
    assert 'data-timer-started="2026-11-12T15:00:00+01:00"' in html
    assert "js/timer.js" in html

    frozen_2026_11_12.shift(timedelta(minutes=90))
    response = signed_in.post("/timesheet/day/timer/stop/", follow=True)

    assert response.redirect_chain[-1][0] == f"{url(today)}#day-entries"
    html = response.content.decode()
    assert "Timer stopped after 1.5 h." in html and f"15:00{DASH}16:30" in html
