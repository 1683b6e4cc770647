"""Compliance after an import: the days it touched are judged once per person, as a write
of one entry judges its days (`compliance_after_write`), never row by row."""

from datetime import date, timedelta

from compliance.services import compliance_after_write
from users.models import User


def import_judge(*, people_days: dict[str, list[str]]) -> int:
    """Judge each person's days from first to last (and the weekly averages they reach),
    recording the violations (warn mode: nothing is refused). Answers the people judged."""
    people = User.objects.in_bulk([int(user_id) for user_id in people_days])
    for user_id, (first, last) in sorted(people_days.items()):
        user = people.get(int(user_id))
        if user is None:
            continue
        day, last_day = date.fromisoformat(first), date.fromisoformat(last)
        spans = []
        while day <= last_day:
            spans.append((day, None))
            day += timedelta(days=1)
        compliance_after_write(user=user, spans=spans)
    return len(people)
