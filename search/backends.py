"""Full-text search across time entries, projects, tasks, people, leave and audit events.

`search()` asks Elasticsearch when it is enabled and answers; otherwise (or when it is
down, and for ELASTICSEARCH_CIRCUIT_SECONDS after it failed or timed out, so a hanging
cluster costs one timeout, not one per search) the database answers: PostgreSQL
full-text search, or `icontains` on SQLite. Both
backends put the actor's scope *inside* the query (a `terms` filter in Elasticsearch,
scoped querysets in the database), so a page never holds, let alone drops, rows the actor
may not see. User input only ever reaches `multi_match` / `websearch_to_tsquery` /
`icontains`, none of which has a syntax to break.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import FloatField, Q, QuerySet, Value
from django.urls import reverse
from django.utils.html import escape
from elasticsearch import ApiError, TransportError

from core.circuit import breaker
from core.models import AuditEvent
from leave.selectors import leave_requests_visible_to
from search.documents import DOCUMENT_OF_TYPE
from timeentries.selectors import entries_visible_to, projects_visible_to, tasks_visible_to
from users.models import User
from users.selectors import users_visible_to

logger = logging.getLogger(__name__)

TYPES = ("time_entry", "project", "task", "user", "leave_request", "audit_event")
MAX_PAGE_SIZE = 50
SNIPPET_CHARS = 200
MARK_START, MARK_END = "\ue000", "\ue001"  # private-use sentinels, swapped for <mark> after escaping

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


def search(
    actor: User,
    q: str,
    types=None,
    date_from: date | None = None,
    date_to: date | None = None,
    user: int | None = None,
    project: int | None = None,
    page: int = 1,
    page_size: int = 20,
) -> dict:
    """Search what `actor` may see; returns {results, count, backend}."""
    chosen = types_for(
        actor, types, date_filter=bool(date_from or date_to), user=user is not None, project=project is not None
    )
    page, page_size = max(page, 1), min(page_size, MAX_PAGE_SIZE)
    criteria = Criteria(q.strip(), chosen, date_from, date_to, user, project, page, page_size)
    circuit = breaker("Elasticsearch", settings.ELASTICSEARCH_URL)
    if settings.ELASTICSEARCH_ENABLED and circuit.allows():
        try:
            found = ElasticsearchBackend().search(actor, criteria)
        except (TransportError, ApiError) as error:
            if isinstance(error, TransportError) or error.meta.status >= 500:
                seconds = settings.ELASTICSEARCH_CIRCUIT_SECONDS
                circuit.failed(error, seconds=seconds, fallback="searches use the database")
            else:
                logger.warning("search: Elasticsearch refused the query (%s); answering from the database", error)
        else:
            circuit.succeeded()
            return found
    return DatabaseBackend().search(actor, criteria)


# --- What a result looks like, whichever backend found it -------------------------------


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:10]
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _name(ref) -> str:
    return (ref or {}).get("name") or ""


def title_of(result_type: str, source: dict) -> str:
    if result_type == "time_entry":
        return f"{_name(source.get('project'))} · {_day(source.get('start'))}"
    if result_type == "project":
        return f"{source.get('code', '')} {source.get('name', '')}".strip()
    if result_type == "task":
        return f"{_name(source.get('project'))} / {source.get('name', '')}"
    if result_type == "user":
        return f"{source.get('name', '')} <{source.get('email', '')}>"
    if result_type == "leave_request":
        return f"{_name(source.get('leave_type'))} {_day(source.get('start_date'))} to {_day(source.get('end_date'))}"
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
        start = source.get("start")
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


def _day_bounds(actor: User, date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """[from 00:00, day after `to` 00:00) in the actor's time zone."""
    tz = actor.tzinfo
    start = datetime.combine(date_from, time.min, tzinfo=tz) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz) if date_to else None
    return start, end


# --- Elasticsearch -----------------------------------------------------------------------

QUERY_FIELDS = [
    "description^2",
    "description.de^2",
    "name^3",
    "name.de^3",
    "code^3",
    "email^2",
    "reason^2",
    "reason.de^2",
    "target_repr",
    "target_repr.de",
    "action.text",
    "project.name",
    "project.name.de",
    "task.name",
    "task.name.de",
    "client.name",
    "client.name.de",
    "user.name",
    "leave_type.name",
    "team.name",
    "subject.name",
    "actor.name",
]


class ElasticsearchBackend:
    name = "elasticsearch"

    def scope_filters(self, actor: User, result_type: str) -> list[dict]:
        """The actor's visibility as filters; admins see everything (no filter)."""
        if actor.is_admin:
            return []
        if result_type in ("time_entry", "leave_request"):
            ids = sorted(users_visible_to(actor).values_list("pk", flat=True))
            return [{"terms": {"user.id": ids}}]
        if result_type == "user":
            return [{"terms": {"id": sorted(users_visible_to(actor).values_list("pk", flat=True))}}]
        if result_type == "project":
            return [{"terms": {"id": sorted(projects_visible_to(actor).values_list("pk", flat=True))}}]
        if result_type == "task":
            return [{"terms": {"id": sorted(tasks_visible_to(actor).values_list("pk", flat=True))}}]
        raise PermissionError(f"{result_type} is for admins only")  # types_for() already left it out

    def criteria_filters(self, actor: User, result_type: str, criteria: Criteria) -> list[dict]:
        filters = []
        start, end = _day_bounds(actor, criteria.date_from, criteria.date_to)
        if start or end:
            bounds = {key: value.isoformat() for key, value in (("gte", start), ("lt", end)) if value}
            if result_type == "time_entry":
                filters.append({"range": {"start": bounds}})
            elif result_type == "audit_event":
                filters.append({"range": {"created_at": bounds}})
            elif result_type == "leave_request":
                if criteria.date_to:
                    filters.append({"range": {"start_date": {"lte": criteria.date_to.isoformat()}}})
                if criteria.date_from:
                    filters.append({"range": {"end_date": {"gte": criteria.date_from.isoformat()}}})
        if criteria.user is not None:
            field = {"user": "id", "audit_event": "subject.id"}.get(result_type, "user.id")
            filters.append({"term": {field: criteria.user}})
        if criteria.project is not None:
            filters.append({"term": {"id" if result_type == "project" else "project.id": criteria.project}})
        return filters

    def build_query(self, actor: User, criteria: Criteria) -> dict:
        """The request body: text match, and per index its scope and filters, all in the query."""
        branches = []
        for result_type in criteria.types:
            index = DOCUMENT_OF_TYPE[result_type]._index._name
            clauses = [
                {"term": {"_index": index}},
                *self.scope_filters(actor, result_type),
                *self.criteria_filters(actor, result_type, criteria),
            ]
            branches.append({"bool": {"filter": clauses}})
        return {
            "query": {
                "bool": {
                    "must": [
                        {
                            "multi_match": {
                                "query": criteria.q,
                                "fields": QUERY_FIELDS,
                                "type": "best_fields",
                                "lenient": True,
                            }
                        }
                    ],
                    "filter": [{"bool": {"should": branches, "minimum_should_match": 1}}],
                }
            },
            "highlight": {
                "encoder": "html",
                "pre_tags": ["<mark>"],
                "post_tags": ["</mark>"],
                "require_field_match": False,
                "number_of_fragments": 1,
                "fragment_size": SNIPPET_CHARS,
                "fields": {field: {} for field in dict.fromkeys(f for fs in SNIPPET_FIELDS.values() for f in fs)},
            },
            "from": criteria.offset,
            "size": criteria.page_size,
            "track_total_hits": True,
        }

    def search(self, actor: User, criteria: Criteria) -> dict:
        if not criteria.types:
            return {"results": [], "count": 0, "backend": self.name}
        from search.indexing import es_client

        index_types = {DOCUMENT_OF_TYPE[t]._index._name: t for t in criteria.types}
        body = self.build_query(actor, criteria)
        response = es_client().search(index=",".join(index_types), ignore_unavailable=True, **_as_kwargs(body))
        return self.parse(actor, response, index_types)

    def parse(self, actor: User, response, index_types: dict[str, str]) -> dict:
        hits = response["hits"]
        results = []
        for hit in hits["hits"]:
            result_type = next((t for index, t in index_types.items() if hit["_index"].startswith(index)), None)
            if result_type is None:
                continue
            source, highlight = hit.get("_source", {}), hit.get("highlight", {})
            snippet = next((highlight[f][0] for f in SNIPPET_FIELDS[result_type] if highlight.get(f)), None)
            snippet = snippet or plain_snippet(result_type, source)
            results.append(result(actor, result_type, int(hit["_id"]), source, snippet, float(hit.get("_score") or 0)))
        total = hits.get("total", 0)
        return {"results": results, "count": total["value"] if isinstance(total, dict) else total, "backend": self.name}


def _as_kwargs(body: dict) -> dict:
    kwargs = dict(body)
    kwargs["from_"] = kwargs.pop("from")
    return kwargs


# --- The database ------------------------------------------------------------------------


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


class DatabaseBackend:
    @property
    def name(self) -> str:
        return "postgres" if connection.vendor == "postgresql" else "database"

    def filtered(self, actor: User, result_type: str, criteria: Criteria) -> QuerySet:
        """The actor's rows of one type, narrowed by the filters: scope first, text after."""
        source = DATABASE_SOURCES[result_type]
        rows = source.scoped(actor)
        start, end = _day_bounds(actor, criteria.date_from, criteria.date_to)
        if result_type in ("time_entry", "audit_event"):
            column = "start" if result_type == "time_entry" else "created_at"
            if start:
                rows = rows.filter(**{f"{column}__gte": start})
            if end:
                rows = rows.filter(**{f"{column}__lt": end})
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
