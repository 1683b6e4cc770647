"""What follows a bulk write of an import (commit or revert) once it commits. Bulk writes
send no per-row signals (STYLE.md), so the search index and compliance are told here."""

from django.conf import settings
from django.db.models import Max, Min

from core import outbox
from imports.models import Import, ImportedObject
from timeentries.models import TimeEntry

# By name: search sits beside imports (neither imports the other) and imports.tasks imports
# these services.
SEARCH_TASK = "search.tasks.search_index_many"
JUDGE_TASK = "imports.tasks.import_judge"
SEARCH_CHUNK = 1000


def people_days_of(source: Import) -> dict[str, list[str]]:
    """Each person's first and last day among the entries `source` created."""
    linked = ImportedObject.objects.filter(source=source, model=TimeEntry._meta.label_lower).values("object_id")
    spans = TimeEntry.objects.filter(pk__in=linked).values("user_id").annotate(first=Min("day"), last=Max("day"))
    return {str(span["user_id"]): [span["first"].isoformat(), span["last"].isoformat()] for span in spans}


def follow_up(rows: dict[str, list[int]], people_days: dict[str, list[str]]) -> None:
    """After commit: index (or drop from the index) `rows` (model label -> ids), and judge
    the working time of each person's days from first to last (warn mode: violations are
    recorded, nothing is refused)."""
    if settings.ELASTICSEARCH_ENABLED:
        for label, pks in rows.items():
            for start in range(0, len(pks), SEARCH_CHUNK):
                outbox.enqueue(SEARCH_TASK, label, pks[start : start + SEARCH_CHUNK])
    if people_days:
        outbox.enqueue(JUDGE_TASK, people_days)
