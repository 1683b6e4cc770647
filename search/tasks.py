"""Celery tasks that keep the search indices current. They take ids and are idempotent:
running one twice leaves the index as running it once."""

import logging

from celery import shared_task
from django.conf import settings
from elasticsearch import ConnectionError, ConnectionTimeout, TransportError

from core.outbox import TRANSIENT_ERRORS
from search import indexing

logger = logging.getLogger(__name__)
RETRYABLE = (ConnectionError, ConnectionTimeout, TransportError, *TRANSIENT_ERRORS)  # Elasticsearch, database, broker


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def search_index_object(model_label: str, pk: int, cascade: bool = False) -> str:
    return indexing.index_object(model_label, pk, cascade=cascade)


@shared_task(autoretry_for=RETRYABLE, retry_backoff=True, max_retries=5)
def search_reindex(model_label: str, start_pk: int = 0, batch: int = 1000) -> int:
    """Reindex every row of `model_label` with pk > start_pk, `batch` rows at a time.

    Progress is logged with the last pk done, so an interrupted run resumes with
    `search_reindex(model_label, start_pk=<last pk>)`. Returns the number of rows sent.
    """
    if not settings.ELASTICSEARCH_ENABLED:
        return 0
    indexing.ensure_index(model_label)
    model = indexing.document_for(model_label).django.model
    rows = model._default_manager.order_by("pk").values_list("pk", flat=True)
    done, last_pk = 0, start_pk
    while True:
        pks = list(rows.filter(pk__gt=last_pk)[:batch])
        if not pks:
            break
        _, failed = indexing.index_bulk(model_label, pks)
        done, last_pk = done + len(pks), pks[-1]
        logger.info(
            "search_reindex %s: %d rows done, last pk %s (%d failed in batch)", model_label, done, last_pk, failed
        )
    logger.info("search_reindex %s: finished, %d rows", model_label, done)
    return done
