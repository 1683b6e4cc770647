"""What a search asks for: the types the actor may search that can answer its filters,
the page, and the local-day bounds of its date filter. Both backends read these."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from users.models import User

TYPES = ("time_entry", "project", "task", "user", "leave_request", "audit_event")
MAX_PAGE_SIZE = 50
SNIPPET_CHARS = 200

# Which filters a type can answer; a type that cannot answer a requested filter is left out.
FILTERABLE = {
    "time_entry": {"date", "user", "project"},
    "project": {"project"},
    "task": {"project"},
    "user": {"user"},
    "leave_request": {"date", "user"},
    "audit_event": {"date", "user"},
}


@dataclass(frozen=True)
class Criteria:
    q: str
    types: tuple[str, ...]
    date_from: date | None = None
    date_to: date | None = None
    user: int | None = None
    project: int | None = None
    page: int = 1
    page_size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def types_for(actor: User, criteria_types, *, date_filter: bool, user: bool, project: bool) -> tuple[str, ...]:
    """The requested types the actor may search and that can answer the given filters."""
    wanted = {"date": date_filter, "user": user, "project": project}
    types = []
    for result_type in criteria_types or TYPES:
        if result_type == "audit_event" and not actor.is_admin:
            continue
        if all(FILTERABLE[result_type] >= {name} for name, on in wanted.items() if on):
            types.append(result_type)
    return tuple(types)


def day_bounds(actor: User, date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """[from 00:00, day after `to` 00:00) in the actor's time zone."""
    tz = actor.tzinfo
    start = datetime.combine(date_from, time.min, tzinfo=tz) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz) if date_to else None
    return start, end
