"""The database backend: PostgreSQL full-text search (the GIN indexes of migration
search.0001), or `icontains` on SQLite; scoped querysets first, text after."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import FloatField, Q, QuerySet, Value
from django.utils.html import escape

from core.models import AuditEvent
from leave.selectors import leave_requests_visible_to
from search.backends.query import SNIPPET_CHARS, Criteria, day_bounds
from search.backends.results import plain_snippet, result
from search.documents import DOCUMENT_OF_TYPE
from timeentries.selectors import entries_visible_to, projects_visible_to, tasks_visible_to
from users.models import User
from users.selectors import users_visible_to

MARK_START, MARK_END = "\ue000", "\ue001"  # private-use sentinels, swapped for <mark> after escaping


@dataclass(frozen=True)
class DatabaseSource:
    """How the database searches one type: the scoped rows, their text and their filters."""

    scoped: object  # callable(actor) -> QuerySet
    text_fields: tuple[str, ...]  # searched; the first makes the snippet
    user_field: str | None = None
    project_field: str | None = None


DATABASE_SOURCES = {
    # Time entries and projects search one column each, the same expression as the GIN
    # indexes of migration search.0001 (to_tsvector('simple', coalesce(col, ''))).
    "time_entry": DatabaseSource(entries_visible_to, ("description",), "user_id", "project_id"),
    "project": DatabaseSource(projects_visible_to, ("name",), None, "pk"),
    "task": DatabaseSource(tasks_visible_to, ("name",), None, "project_id"),
    "user": DatabaseSource(users_visible_to, ("first_name", "last_name", "email"), "pk"),
    "leave_request": DatabaseSource(leave_requests_visible_to, ("reason",), "user_id"),
    "audit_event": DatabaseSource(
        lambda actor: AuditEvent.objects.select_related("actor", "subject"), ("target_repr", "action"), "subject_id"
    ),
}
WORD = re.compile(r"\w+", re.UNICODE)


def highlight(text: str, terms: list[str]) -> str:
    """Escape `text` and wrap each case-insensitive occurrence of a term in <mark>."""
    text = text[:SNIPPET_CHARS]
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[last : match.start()]), "<mark>", escape(match.group()), "</mark>"]
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def time_entry_dates(criteria: Criteria, start, end) -> Q:
    """Clocked entries starting within the local days asked for (the actor's zone), duration
    entries (no start) on those days."""
    clocked, durations = Q(start__isnull=False), Q(start__isnull=True)
    if start:
        clocked &= Q(start__gte=start)
        durations &= Q(day__gte=criteria.date_from)
    if end:
        clocked &= Q(start__lt=end)
        durations &= Q(day__lte=criteria.date_to)
    return clocked | durations


class DatabaseBackend:
    @property
    def name(self) -> str:
        return "postgres" if connection.vendor == "postgresql" else "database"

    def filtered(self, actor: User, result_type: str, criteria: Criteria) -> QuerySet:
        """The actor's rows of one type, narrowed by the filters: scope first, text after."""
        source = DATABASE_SOURCES[result_type]
        rows = source.scoped(actor)
        start, end = day_bounds(actor, criteria.date_from, criteria.date_to)
        if result_type == "time_entry" and (start or end):
            rows = rows.filter(time_entry_dates(criteria, start, end))
        elif result_type == "audit_event":
            if start:
                rows = rows.filter(created_at__gte=start)
            if end:
                rows = rows.filter(created_at__lt=end)
        elif result_type == "leave_request":
            if criteria.date_from:
                rows = rows.filter(end_date__gte=criteria.date_from)
            if criteria.date_to:
                rows = rows.filter(start_date__lte=criteria.date_to)
        if criteria.user is not None:
            rows = rows.filter(**{source.user_field: criteria.user})
        if criteria.project is not None:
            rows = rows.filter(**{source.project_field: criteria.project})
        return rows

    def matching(self, rows: QuerySet, result_type: str, criteria: Criteria) -> QuerySet:
        fields = DATABASE_SOURCES[result_type].text_fields
        if self.name == "postgres":
            query = SearchQuery(criteria.q, config="simple", search_type="websearch")
            vector = SearchVector(*fields, config="simple")
            rows = rows.annotate(search_vector=vector, search_rank=SearchRank(vector, query)).filter(
                search_vector=query
            )
            return rows.annotate(
                search_snippet=SearchHeadline(
                    fields[0],
                    query,
                    config="simple",
                    start_sel=MARK_START,
                    stop_sel=MARK_END,
                    max_words=30,
                    min_words=10,
                )
            ).order_by("-search_rank", "-pk")
        terms = WORD.findall(criteria.q)
        if not terms:
            return rows.none()
        for term in terms:
            any_field = Q()
            for field in fields:
                any_field |= Q(**{f"{field}__icontains": term})
            rows = rows.filter(any_field)
        return rows.annotate(search_rank=Value(1.0, output_field=FloatField())).order_by("-pk")

    def snippet(self, result_type: str, row, source: dict, criteria: Criteria) -> str:
        headline = getattr(row, "search_snippet", None)
        if headline:
            return escape(headline[: SNIPPET_CHARS * 2]).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
        text = next((getattr(row, f) for f in DATABASE_SOURCES[result_type].text_fields if getattr(row, f)), "")
        if text:
            return highlight(str(text), WORD.findall(criteria.q))
        return plain_snippet(result_type, source)

    def search(self, actor: User, criteria: Criteria) -> dict:
        needed = criteria.offset + criteria.page_size
        found, count = [], 0
        for result_type in criteria.types:
            rows = self.matching(self.filtered(actor, result_type, criteria), result_type, criteria)
            count += rows.count()
            document = DOCUMENT_OF_TYPE[result_type]()
            for row in rows[:needed]:
                source = document.prepare(row)
                snippet = self.snippet(result_type, row, source, criteria)
                found.append(result(actor, result_type, row.pk, source, snippet, float(row.search_rank or 0)))
        found.sort(key=lambda r: r["score"], reverse=True)  # stable: equal scores keep type order
        return {"results": found[criteria.offset : needed], "count": count, "backend": self.name}
