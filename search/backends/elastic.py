"""The Elasticsearch backend: one request over the chosen indices, with the actor's scope
and the filters inside the query (a `terms` filter per index), highlights as snippets."""

from search.backends.query import SNIPPET_CHARS, Criteria, day_bounds
from search.backends.results import SNIPPET_FIELDS, plain_snippet, result
from search.documents import DOCUMENT_OF_TYPE
from search.indexing import es_client
from timeentries.selectors import projects_visible_to, tasks_visible_to
from users.models import User
from users.selectors import users_visible_to

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


def time_entry_dates(criteria: Criteria, bounds: dict) -> dict:
    """Clocked entries starting within the local days asked for (the actor's zone), duration
    entries (no start) on those days."""
    days = {}
    if criteria.date_from:
        days["gte"] = criteria.date_from.isoformat()
    if criteria.date_to:
        days["lte"] = criteria.date_to.isoformat()
    duration_on_days = {"bool": {"must_not": [{"exists": {"field": "start"}}], "filter": [{"range": {"day": days}}]}}
    return {"bool": {"should": [{"range": {"start": bounds}}, duration_on_days], "minimum_should_match": 1}}


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
        start, end = day_bounds(actor, criteria.date_from, criteria.date_to)
        if start or end:
            bounds = {key: value.isoformat() for key, value in (("gte", start), ("lt", end)) if value}
            if result_type == "time_entry":
                filters.append(time_entry_dates(criteria, bounds))
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
