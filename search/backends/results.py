"""What a result looks like, whichever backend found it: title, snippet, score and the
link to the page or API resource that shows it."""

from datetime import date, datetime

from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from search.backends.query import SNIPPET_CHARS
from users.models import User


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:10]
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _entry_day(source: dict):
    """A time entry's day: its start (as it always showed), or a duration entry's `day`."""
    return source.get("start") or source.get("day")


def _name(ref) -> str:
    return (ref or {}).get("name") or ""


def title_of(result_type: str, source: dict) -> str:
    if result_type == "time_entry":
        return f"{_name(source.get('project'))} · {_day(_entry_day(source))}"
    if result_type == "project":
        return f"{source.get('code', '')} {source.get('name', '')}".strip()
    if result_type == "task":
        return f"{_name(source.get('project'))} / {source.get('name', '')}"
    if result_type == "user":
        return f"{source.get('name', '')} <{source.get('email', '')}>"
    if result_type == "leave_request":
        return _("%(leave_type)s %(start)s to %(end)s") % {
            "leave_type": _name(source.get("leave_type")),
            "start": _day(source.get("start_date")),
            "end": _day(source.get("end_date")),
        }
    return f"{source.get('action', '')} {source.get('target_repr', '')}".strip()


# The field whose text makes the snippet, best first (highlights are looked up in this order).
SNIPPET_FIELDS = {
    "time_entry": ("description", "description.de", "project.name", "task.name", "client.name", "user.name"),
    "project": ("name", "name.de", "client.name"),
    "task": ("name", "name.de", "project.name"),
    "user": ("name", "email", "team.name"),
    "leave_request": ("reason", "reason.de", "leave_type.name", "user.name"),
    "audit_event": ("target_repr", "target_repr.de", "action.text", "subject.name", "actor.name"),
}


def _source_value(source: dict, path: str) -> str:
    value = source
    for part in path.removesuffix(".de").removesuffix(".text").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def plain_snippet(result_type: str, source: dict) -> str:
    for path in SNIPPET_FIELDS[result_type]:
        if text := _source_value(source, path):
            return escape(text[:SNIPPET_CHARS])
    return ""


API_DETAIL = {
    "project": "project-detail",
    "task": "task-detail",
    "user": "user-detail",
    "audit_event": "audit-event-detail",
}


def url_of(actor: User, result_type: str, pk: int, source: dict) -> str:
    if result_type == "time_entry":
        owner_id = (source.get("user") or {}).get("id")
        start = _entry_day(source)
        start_day = date.fromisoformat(_day(start)) if start else None
        week = f"?week={start_day.isocalendar()[0]}-W{start_day.isocalendar()[1]:02d}" if start_day else ""
        if owner_id == actor.pk:
            return reverse("timesheet") + week
        return reverse("timesheet-member", args=[owner_id]) + week
    if result_type == "leave_request":
        return reverse("leave") if (source.get("user") or {}).get("id") == actor.pk else reverse("leave-team")
    return reverse(API_DETAIL[result_type], args=[pk])


def result(actor: User, result_type: str, pk: int, source: dict, snippet: str, score: float) -> dict:
    return {
        "type": result_type,
        "id": pk,
        "title": title_of(result_type, source),
        "snippet": snippet,
        "score": score,
        "url": url_of(actor, result_type, pk, source),
    }
