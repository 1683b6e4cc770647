"""iCalendar feeds of leave: one all-day event per request, stable across regenerations.

Calendar clients replace their copy of a subscribed feed with each download, so leave that
is cancelled or rejected disappears simply by no longer being in the feed.

Text from people (names, leave type names) goes in as icalendar's own vText, which escapes
line breaks, commas and semicolons; other control characters (never valid in iCalendar text)
are dropped, so no stored name can break a feed.
"""

import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta

from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event, vText

from leave.models import LeaveRequest
from leave.selectors import ABSENT

PRODID = "-//Time Tracker//Leave//EN"
# Whole phrases per half, so that translators never assemble fragments.
HALF_DAY = {"morning": gettext_lazy("half day: morning"), "afternoon": gettext_lazy("half day: afternoon")}
HALF_DAY_ON = {
    "morning": gettext_lazy("half day: morning on %(day)s"),
    "afternoon": gettext_lazy("half day: afternoon on %(day)s"),
}


def leave_event_summary(request: LeaveRequest) -> str:
    """'Alice Adler \u2013 Vacation' (an en dash), with the half days named: '(half day: afternoon)';
    'Alice Adler \u2013 Absent' where the feed's owner may not see the type (`type_hidden`)."""
    type_name = ABSENT.name if getattr(request, "type_hidden", False) else request.leave_type.name
    summary = f"{request.user} \u2013 {type_name}"
    single_day = request.start_date == request.end_date
    if single_day and (request.start_half or request.end_half):
        return f"{summary} ({HALF_DAY[request.start_half or request.end_half]})"
    halves = []
    if request.start_half:
        halves.append(HALF_DAY_ON[request.start_half] % {"day": request.start_date.isoformat()})
    if request.end_half:
        halves.append(HALF_DAY_ON[request.end_half] % {"day": request.end_date.isoformat()})
    return f"{summary} ({'; '.join(halves)})" if halves else summary


def ics_text(value: str) -> vText:
    """`value` as an iCalendar TEXT value: line breaks kept (vText escapes them), any other
    control character but tab dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return vText("".join(char for char in value if char in "\n\t" or unicodedata.category(char) != "Cc"))


def _day_after(day: date) -> date:
    return day + timedelta(days=1) if day < date.max else day


def leave_calendar_ics(requests: Iterable[LeaveRequest], *, name: str) -> bytes:
    """An iCalendar document with one all-day event per request (DTEND is exclusive)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", ics_text(name))
    for request in requests:
        event = Event()
        event.add("uid", f"leave-{request.pk}@timetracker")
        event.add("dtstamp", request.updated_at)
        event.add("dtstart", request.start_date)
        event.add("dtend", _day_after(request.end_date))
        event.add("summary", ics_text(leave_event_summary(request)))
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()
