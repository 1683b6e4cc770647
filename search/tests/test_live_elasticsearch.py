"""Against a real Elasticsearch (`make test-es`): the mapping is accepted, the analyzers
stem English and German, and scoping holds. Skipped unless ELASTICSEARCH_HOST is set."""

import os

import pytest

from search import backends, indexing
from search.documents import DOCUMENTS
from search.tests.conftest import make_entry

pytestmark = pytest.mark.skipif(
    not os.environ.get("ELASTICSEARCH_HOST"), reason="needs a real Elasticsearch (ELASTICSEARCH_HOST); see make test-es"
)
LABELS = ("timeentries.timeentry", "timeentries.project", "users.user")


@pytest.fixture
def live_indices(settings):
    settings.ELASTICSEARCH_ENABLED = True
    client = indexing.es_client()
    names = [indexing.index_of(label) for label in LABELS]
    client.indices.delete(index=",".join(names), ignore_unavailable=True)
    for label in LABELS:
        assert indexing.ensure_index(label)
    yield client
    client.indices.delete(index=",".join(names), ignore_unavailable=True)


def _fill(client, label, pks):
    assert indexing.index_bulk(label, pks)[1] == 0
    client.indices.refresh(index=indexing.index_of(label))


def test_stemming_and_scoping_on_a_real_cluster(live_indices, alice, bob, dave, carol, acme):
    entries = [
        make_entry(alice, acme, 9, "Besprechungen mit dem Kunden"),
        make_entry(bob, acme, 10, "Planning meetings"),
        make_entry(dave, acme, 11, "Besprechung team B"),
    ]
    _fill(live_indices, "timeentries.timeentry", [e.pk for e in entries])

    german = backends.search(bob, "besprechung", types=("time_entry",))
    assert german["backend"] == "elasticsearch"
    assert [r["id"] for r in german["results"]] == [entries[0].pk]  # dave's is outside bob's team
    assert "<mark>" in german["results"][0]["snippet"]

    english = backends.search(bob, "meeting", types=("time_entry",))
    assert [r["id"] for r in english["results"]] == [entries[1].pk]

    everyone = backends.search(carol, "besprechung", types=("time_entry",))
    assert {r["id"] for r in everyone["results"]} == {entries[0].pk, entries[2].pk}


def test_special_characters_are_harmless(live_indices, alice, acme):
    _fill(live_indices, "timeentries.timeentry", [make_entry(alice, acme, 9, "ACME kickoff").pk])
    for q in ['"(*', "acme)", "a && b || !c", "kickoff~2^3", "\\"]:
        assert backends.search(alice, q)["backend"] == "elasticsearch"


def test_every_index_mapping_is_accepted(settings):
    settings.ELASTICSEARCH_ENABLED = True
    client = indexing.es_client()
    for label in DOCUMENTS:
        name = indexing.index_of(label)
        client.indices.delete(index=name, ignore_unavailable=True)
        assert indexing.ensure_index(label)
        client.indices.delete(index=name)
    assert settings.ELASTICSEARCH_INDEX_PREFIX
