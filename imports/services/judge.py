"""Compliance after an import: the days it touched are judged for everyone at once
(`compliance.judge_many`), as a write of one entry judges its days
(`compliance_after_write`), never row by row."""

from datetime import date

from compliance.judge_many import compliance_judge_many


def import_judge(*, people_days: dict[str, list[str]]) -> int:
    """Judge each person's days from first to last (and the weekly averages they reach),
    recording the violations (warn mode: nothing is refused). Answers the people judged."""
    spans = {
        int(user_id): (date.fromisoformat(first), date.fromisoformat(last))
        for user_id, (first, last) in people_days.items()
    }
    return compliance_judge_many(people_days=spans)["users"]
