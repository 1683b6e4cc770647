"""Full-text search across time entries, projects, tasks, people, leave and audit events.

`search()` asks Elasticsearch when it is enabled and answers; otherwise (or when it is
down, and for ELASTICSEARCH_CIRCUIT_SECONDS after it failed or timed out, so a hanging
cluster costs one timeout, not one per search) the database answers: PostgreSQL
full-text search, or `icontains` on SQLite. Both
backends put the actor's scope *inside* the query (a `terms` filter in Elasticsearch,
scoped querysets in the database), so a page never holds, let alone drops, rows the actor
may not see. User input only ever reaches `multi_match` / `websearch_to_tsquery` /
`icontains`, none of which has a syntax to break.

The package splits along the seams: `query` (what is asked), `results` (what an answer
looks like), and one module per backend (`elastic`, `database`). `search()` picks the
backend; the public names are re-exported here.
"""

import logging
from datetime import date

from django.conf import settings
from elasticsearch import ApiError, TransportError

from core.circuit import breaker
from core.replicas import replica_reads
from search.backends.database import DATABASE_SOURCES, DatabaseBackend, highlight
from search.backends.elastic import QUERY_FIELDS, ElasticsearchBackend
from search.backends.query import FILTERABLE, MAX_PAGE_SIZE, SNIPPET_CHARS, TYPES, Criteria, types_for
from search.backends.results import SNIPPET_FIELDS, plain_snippet, result, title_of, url_of
from search.documents import DOCUMENT_OF_TYPE
from users.models import User

logger = logging.getLogger(__name__)

__all__ = [
    "DATABASE_SOURCES",
    "DOCUMENT_OF_TYPE",
    "FILTERABLE",
    "MAX_PAGE_SIZE",
    "QUERY_FIELDS",
    "SNIPPET_CHARS",
    "SNIPPET_FIELDS",
    "TYPES",
    "Criteria",
    "DatabaseBackend",
    "ElasticsearchBackend",
    "highlight",
    "plain_snippet",
    "result",
    "search",
    "title_of",
    "types_for",
    "url_of",
]


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
    with replica_reads(reader=actor):
        return DatabaseBackend().search(actor, criteria)
