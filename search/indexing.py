"""Writing to Elasticsearch: one row, many rows, and the indices themselves.

Every function is a no-op while `ELASTICSEARCH_ENABLED` is False, so callers (the tasks)
never need to ask. A row that no longer exists is deleted from its index.
"""

import contextlib
import functools
import logging
from collections.abc import Iterable, Iterator

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import bulk

from search.copies import dependents
from search.documents import DOCUMENTS

logger = logging.getLogger(__name__)
BULK_CHUNK = 500


@functools.cache
def _client_for(url: str, request_timeout: float) -> Elasticsearch:
    # Celery retries with backoff; a search request falls back to the database at once.
    return Elasticsearch(url, request_timeout=request_timeout, max_retries=0, retry_on_timeout=False)


def es_client() -> Elasticsearch:
    return _client_for(settings.ELASTICSEARCH_URL, float(settings.ELASTICSEARCH_DSL["default"]["request_timeout"]))


def document_for(model_label: str):
    try:
        return DOCUMENTS[model_label.lower()][1]()
    except KeyError:
        raise ValueError(f"{model_label} is not indexed for search") from None


def index_of(model_label: str) -> str:
    return document_for(model_label)._index._name


def ensure_index(model_label: str) -> bool:
    """Create the model's index with its mapping and analyzers unless it exists; True if created."""
    if not settings.ELASTICSEARCH_ENABLED:
        return False
    client, index = es_client(), document_for(model_label)._index
    if client.indices.exists(index=index._name):
        return False
    body = index.to_dict()
    client.indices.create(index=index._name, settings=body.get("settings"), mappings=body.get("mappings"))
    return True


def update_mapping(model_label: str) -> None:
    """Add the fields the document has gained since its index was created (Elasticsearch
    merges a mapping into the existing one; a field it holds already must keep its type):
    how an existing time entries index learns `kind`, `day` and `break_minutes`."""
    if not settings.ELASTICSEARCH_ENABLED:
        return
    index = document_for(model_label)._index
    es_client().indices.put_mapping(index=index._name, body=index.to_dict()["mappings"])


# Documents that copy fields of another row (their `copies`, see `search.copies`): when
# those fields change (`search.signals.DENORMALIZED_FIELDS`), they are reindexed in bulk.
# The changed row's label -> (dependent document's label, lookup from it to the changed row).
DEPENDENTS: dict[str, tuple[tuple[str, str], ...]] = dependents(DOCUMENTS)


def index_object(model_label: str, pk: int, *, cascade: bool = False) -> str:
    """Index the row `pk` of `model_label`, or delete its document when the row is gone.

    With `cascade`, the documents that copy the row's fields follow in bulk (`DEPENDENTS`);
    a row without a document of its own (a client, a team) only cascades.
    """
    if not settings.ELASTICSEARCH_ENABLED:
        return "disabled"
    label = model_label.lower()
    result = "cascaded"
    if label in DOCUMENTS:
        document = document_for(label)
        client, index = es_client(), document._index._name
        instance = document.get_queryset().filter(pk=pk).first()
        if instance is None:
            with contextlib.suppress(NotFoundError):  # never indexed, or already deleted: the goal is reached
                client.delete(index=index, id=str(pk))
            return "deleted"
        client.index(index=index, id=str(pk), document=document.prepare(instance))
        result = "indexed"
    if cascade:
        index_dependents(label, pk)
    return result


def index_dependents(model_label: str, pk: int) -> None:
    for dependent, lookup in DEPENDENTS.get(model_label.lower(), ()):
        model = document_for(dependent).django.model
        pks = model._default_manager.filter(**{lookup: pk}).order_by("pk").values_list("pk", flat=True)
        index_bulk(dependent, pks.iterator(chunk_size=BULK_CHUNK))


def _chunks(pks: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in pks:
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _actions(model_label: str, pks: Iterable[int]) -> Iterator[dict]:
    document = document_for(model_label)
    index = document._index._name
    for chunk in _chunks(pks, BULK_CHUNK):
        found = {obj.pk: obj for obj in document.get_queryset().filter(pk__in=chunk)}
        for pk in chunk:
            if pk in found:
                yield {"_op_type": "index", "_index": index, "_id": str(pk), "_source": document.prepare(found[pk])}
            else:
                yield {"_op_type": "delete", "_index": index, "_id": str(pk)}


def index_bulk(model_label: str, pks: Iterable[int]) -> tuple[int, int]:
    """Index (or delete, when gone) many rows with the bulk API; returns (succeeded, failed)."""
    if not settings.ELASTICSEARCH_ENABLED:
        return 0, 0
    succeeded, errors = bulk(es_client(), _actions(model_label, pks), chunk_size=BULK_CHUNK, raise_on_error=False)
    # Deleting a document that was never indexed is not a failure.
    failures = [e for e in errors if not ("delete" in e and e["delete"].get("status") == 404)]
    for failure in failures[:10]:
        logger.warning("search: bulk %s failed: %s", model_label, failure)
    return succeeded, len(failures)


def delete_older_than(model_label: str, field: str, cutoff) -> str | None:
    """Delete every document of `model_label` whose `field` is before `cutoff` with one
    delete-by-query, which Elasticsearch runs as a background task (its id is returned)."""
    if not settings.ELASTICSEARCH_ENABLED:
        return None
    answer = es_client().delete_by_query(
        index=index_of(model_label),
        query={"range": {field: {"lt": cutoff.isoformat()}}},
        conflicts="proceed",
        wait_for_completion=False,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return answer.get("task")
