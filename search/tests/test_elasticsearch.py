"""The Elasticsearch backend, over HTTP: the real client against a fake server on 127.0.0.1.

What matters is what is sent — the mapping with its analyzers, the bulk and delete calls,
and above all the scoping filter inside the search query — and that a realistic answer
becomes the API's results."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings

from search import backends, indexing
from search.tasks import search_reindex
from search.tests.conftest import make_entry
from timeentries.models import TimeEntry
from timeentries.services import time_entry_create

pytestmark = pytest.mark.no_es
PREFIX = settings.ELASTICSEARCH_INDEX_PREFIX  # index names are fixed when documents.py is imported
ENTRIES_INDEX = f"{PREFIX}-time-entries"
TEXT = {
    "type": "text",
    "analyzer": "tt_text_en",
    "fields": {
        "de": {"type": "text", "analyzer": "tt_text_de"},
        "raw": {"type": "keyword", "ignore_above": 256},
    },
}


def test_creating_the_index_sends_the_mapping_with_english_and_german_analyzers(fake_es, db):
    assert indexing.ensure_index("timeentries.timeentry") is True

    (create,) = fake_es.of("PUT")
    assert create.path == f"/{ENTRIES_INDEX}"
    analysis = create.body["settings"]["analysis"]
    assert analysis["analyzer"]["tt_text_en"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["lowercase", "tt_english_stop", "asciifolding", "tt_english_stemmer"],
    }
    assert analysis["analyzer"]["tt_text_de"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["lowercase", "tt_german_stop", "german_normalization", "asciifolding", "tt_german_stemmer"],
    }
    assert analysis["filter"]["tt_german_stemmer"] == {"type": "stemmer", "language": "light_german"}
    assert analysis["filter"]["tt_english_stemmer"] == {"type": "stemmer", "language": "english"}
    ref = {"type": "object", "properties": {"id": {"type": "integer"}, "name": TEXT}}
    assert create.body["mappings"] == {
        "properties": {
            "id": {"type": "integer"},
            "description": TEXT,
            "project": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "name": TEXT, "code": {"type": "keyword"}},
            },
            "task": ref,
            "client": ref,
            "user": ref,
            "team_id": {"type": "integer"},
            "start": {"type": "date"},
            "end": {"type": "date"},
            "hours": {"type": "float"},
            "billable": {"type": "boolean"},
            "kind": {"type": "keyword"},
            "day": {"type": "date"},
            "break_minutes": {"type": "integer"},
        }
    }
    assert create.body["settings"]["number_of_shards"] == 1

    fake_es.requests.clear()
    assert indexing.ensure_index("timeentries.timeentry") is False  # exists now: nothing re-created
    assert fake_es.of("PUT") == []


def test_user_documents_never_hold_secrets(fake_es, alice):
    indexing.index_object("users.user", alice.pk)

    (put,) = fake_es.of("PUT")
    assert put.path == f"/{PREFIX}-users/_doc/{alice.pk}"
    assert set(put.body) == {"id", "name", "email", "team", "role", "is_active"}
    assert "password" not in str(put.body)


def test_index_object_sends_the_entry_document(fake_es, alice, acme):
    entry = make_entry(alice, acme, 9, "ACME kickoff")

    assert indexing.index_object("timeentries.timeentry", entry.pk) == "indexed"

    (put,) = fake_es.of("PUT")
    assert put.path == f"/{ENTRIES_INDEX}/_doc/{entry.pk}"
    assert put.body == {
        "id": entry.pk,
        "description": "ACME kickoff",
        "project": {"id": acme.pk, "name": "Acme website", "code": "ACME"},
        "task": None,
        "client": {"id": acme.client_id, "name": "Acme Corp"},
        "user": {"id": alice.pk, "name": alice.get_full_name()},
        "team_id": alice.team_id,
        "start": "2026-11-09T09:00:00+00:00",
        "end": "2026-11-09T11:00:00+00:00",
        "hours": 2.0,
        "billable": True,
        "kind": "clocked",
        "day": "2026-11-09",
        "break_minutes": 0,
    }


def test_a_duration_entry_is_indexed_with_its_day_and_hours_and_no_times(fake_es, alice, acme):
    entry = time_entry_create(
        actor=alice,
        project=acme,
        day=date(2026, 11, 10),
        duration=timedelta(hours=2, minutes=30),
        description="Workshop notes",
    )

    assert indexing.index_object("timeentries.timeentry", entry.pk) == "indexed"

    (put,) = fake_es.of("PUT")
    assert {key: put.body[key] for key in ("start", "end", "hours", "kind", "day", "break_minutes")} == {
        "start": None,
        "end": None,
        "hours": 2.5,
        "kind": "duration",
        "day": "2026-11-10",
        "break_minutes": 0,
    }


def test_a_clocked_entry_is_indexed_with_its_hours_less_the_break(fake_es, alice, acme):
    start = datetime(2026, 11, 9, 8, tzinfo=UTC)
    entry = time_entry_create(
        actor=alice, project=acme, start=start, end=start + timedelta(hours=8, minutes=30), break_minutes=30
    )

    indexing.index_object("timeentries.timeentry", entry.pk)

    (put,) = fake_es.of("PUT")
    assert (put.body["hours"], put.body["break_minutes"], put.body["kind"]) == (8.0, 30, "clocked")


def test_index_object_deletes_the_document_of_a_row_that_is_gone(fake_es, alice, acme):
    entry = make_entry(alice, acme, 9, "ACME kickoff")
    pk = entry.pk
    entry.delete()

    assert indexing.index_object("timeentries.timeentry", pk) == "deleted"

    assert [(r.method, r.path) for r in fake_es.requests] == [("DELETE", f"/{ENTRIES_INDEX}/_doc/{pk}")]


def test_index_bulk_indexes_present_rows_and_deletes_missing_ones(fake_es, alice, acme):
    first = make_entry(alice, acme, 9, "ACME kickoff")
    second = make_entry(alice, acme, 10, "ACME retro")
    gone = second.pk + 1000

    assert indexing.index_bulk("timeentries.timeentry", [first.pk, second.pk, gone]) == (3, 0)

    (bulk,) = fake_es.of("PUT", "_bulk") + fake_es.of("POST", "_bulk")
    lines = bulk.body
    assert lines[0] == {"index": {"_index": ENTRIES_INDEX, "_id": str(first.pk)}}
    assert lines[1]["description"] == "ACME kickoff"
    assert lines[2] == {"index": {"_index": ENTRIES_INDEX, "_id": str(second.pk)}}
    assert lines[3]["description"] == "ACME retro"
    assert lines[4] == {"delete": {"_index": ENTRIES_INDEX, "_id": str(gone)}}
    assert len(lines) == 5


def test_renaming_a_project_reindexes_its_entries_in_bulk(fake_es, alice, acme):
    entries = [make_entry(alice, acme, day, f"day {day}") for day in (9, 10, 11)]
    acme.name = "Acme shop"
    acme.save()

    indexing.index_object("timeentries.project", acme.pk, cascade=True)

    assert fake_es.of("PUT")[0].path == f"/{PREFIX}-projects/_doc/{acme.pk}"
    bulk_lines = [line for r in fake_es.of("POST", "_bulk") + fake_es.of("PUT", "_bulk") for line in r.body]
    indexed = [line for line in bulk_lines if "project" in line]
    assert {line["project"]["name"] for line in indexed} == {"Acme shop"}
    assert len(indexed) == len(entries)


def test_reindex_creates_the_index_and_resumes_after_start_pk(fake_es, alice, acme):
    entries = [make_entry(alice, acme, day, f"day {day}") for day in (9, 10, 11)]

    assert search_reindex("timeentries.timeentry", start_pk=entries[0].pk, batch=1) == 2

    assert fake_es.of("PUT")[0].path == f"/{ENTRIES_INDEX}"
    bulks = fake_es.of("PUT", "_bulk") + fake_es.of("POST", "_bulk")
    sent = [line["index"]["_id"] for r in bulks for line in r.body if "index" in line]
    assert sent == [str(entries[1].pk), str(entries[2].pk)]
    assert len(bulks) == 2  # one request per batch


def test_reindexing_an_existing_index_adds_the_new_fields_to_its_mapping(fake_es, alice, acme):
    fake_es.existing_indices.add(ENTRIES_INDEX)  # created before entries had kinds
    make_entry(alice, acme, 9, "day 9")

    assert search_reindex("timeentries.timeentry") == 1

    assert [r.path for r in fake_es.of("PUT") if "_bulk" not in r.path] == [f"/{ENTRIES_INDEX}/_mapping"]
    (mapping,) = fake_es.of("PUT", "_mapping")
    properties = mapping.body["properties"]
    assert (properties["kind"], properties["day"], properties["break_minutes"]) == (
        {"type": "keyword"},
        {"type": "date"},
        {"type": "integer"},
    )


def test_everything_is_a_no_op_while_elasticsearch_is_disabled(settings, alice, acme):
    settings.ELASTICSEARCH_ENABLED = False
    entry = make_entry(alice, acme, 9, "x")
    assert indexing.index_object("timeentries.timeentry", entry.pk) == "disabled"
    assert indexing.index_bulk("timeentries.timeentry", [entry.pk]) == (0, 0)
    assert search_reindex("timeentries.timeentry") == 0


def _midnight(user, day: date) -> str:
    return datetime.combine(day, time.min, tzinfo=user.tzinfo).isoformat()


def _sent_query(fake_es):
    (request,) = fake_es.of("POST", "_search")
    return request


def _branches(body) -> dict[str, list]:
    (outer,) = body["query"]["bool"]["filter"]
    result = {}
    for branch in outer["bool"]["should"]:
        index_term, *rest = branch["bool"]["filter"]
        result[index_term["term"]["_index"]] = rest
    return result


def test_a_manager_s_query_is_scoped_to_the_team_inside_the_query(fake_es, bob, alice, dave, acme, api):
    response = api(bob).get("/api/v1/search", {"q": 'ACME "(* kickoff', "types": "time_entry,leave_request"})

    assert response.status_code == 200, response.content
    request = _sent_query(fake_es)
    assert request.path == f"/{ENTRIES_INDEX},{PREFIX}-leave-requests/_search"
    body = request.body
    assert body["query"]["bool"]["must"] == [
        {
            "multi_match": {
                "query": 'ACME "(* kickoff',
                "fields": backends.QUERY_FIELDS,
                "type": "best_fields",
                "lenient": True,
            }
        }
    ]
    team = sorted([alice.pk, bob.pk])
    assert _branches(body) == {
        ENTRIES_INDEX: [{"terms": {"user.id": team}}],
        f"{PREFIX}-leave-requests": [{"terms": {"user.id": team}}],
    }
    assert body["highlight"]["pre_tags"] == ["<mark>"]
    assert body["highlight"]["encoder"] == "html"
    assert (body["from"], body["size"]) == (0, 20)
    assert "query_string" not in str(body)


def test_an_employee_sees_only_visible_projects_and_never_audit_events(fake_es, alice, acme, api):
    api(alice).get("/api/v1/search", {"q": "acme"})

    branches = _branches(_sent_query(fake_es).body)
    assert f"{PREFIX}-audit-events" not in branches
    assert branches[ENTRIES_INDEX] == [{"terms": {"user.id": [alice.pk]}}]
    assert branches[f"{PREFIX}-users"] == [{"terms": {"id": [alice.pk]}}]
    assert branches[f"{PREFIX}-projects"] == [{"terms": {"id": [acme.pk]}}]


def test_an_admin_s_query_has_no_scoping_filter(fake_es, carol, api):
    api(carol).get("/api/v1/search", {"q": "acme", "from": "2026-11-01", "to": "2026-11-30", "user": carol.pk})

    # Dates and a person: projects, tasks and people cannot answer that, so they are left out.
    branches = _branches(_sent_query(fake_es).body)
    assert set(branches) == {ENTRIES_INDEX, f"{PREFIX}-leave-requests", f"{PREFIX}-audit-events"}
    assert branches[f"{PREFIX}-audit-events"][-1] == {"term": {"subject.id": carol.pk}}
    november = (_midnight(carol, date(2026, 11, 1)), _midnight(carol, date(2026, 12, 1)))
    assert branches[ENTRIES_INDEX] == [
        {
            "bool": {
                "should": [
                    # clocked entries: whole days in carol's time zone
                    {"range": {"start": {"gte": november[0], "lt": november[1]}}},
                    # duration entries (no start): their day
                    {
                        "bool": {
                            "must_not": [{"exists": {"field": "start"}}],
                            "filter": [{"range": {"day": {"gte": "2026-11-01", "lte": "2026-11-30"}}}],
                        }
                    },
                ],
                "minimum_should_match": 1,
            }
        },
        {"term": {"user.id": carol.pk}},
    ]
    assert "terms" not in str(branches)


def test_a_realistic_answer_becomes_results(fake_es, bob, alice, acme, api):
    entry = make_entry(alice, acme, 9, "ACME kickoff with <b>client</b>")
    fake_es.search_response = {
        "took": 3,
        "timed_out": False,
        "_shards": {"total": 2, "successful": 2, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": 2, "relation": "eq"},
            "max_score": 2.5,
            "hits": [
                {
                    "_index": ENTRIES_INDEX,
                    "_id": str(entry.pk),
                    "_score": 2.5,
                    "_source": {
                        "id": entry.pk,
                        "description": "ACME kickoff with <b>client</b>",
                        "project": {"id": acme.pk, "name": "Acme website", "code": "ACME"},
                        "user": {"id": alice.pk, "name": "Alice"},
                        "start": "2026-11-09T09:00:00+00:00",
                    },
                    "highlight": {"description": ["<mark>ACME</mark> kickoff with &lt;b&gt;client&lt;&#x2F;b&gt;"]},
                },
                {
                    "_index": f"{PREFIX}-projects",
                    "_id": str(acme.pk),
                    "_score": 1.25,
                    "_source": {"id": acme.pk, "name": "Acme <website>", "code": "ACME"},
                },
            ],
        },
    }

    body = api(bob).get("/api/v1/search", {"q": "acme"}).json()

    assert body["backend"] == "elasticsearch"
    assert body["count"] == 2
    assert body["results"] == [
        {
            "type": "time_entry",
            "id": entry.pk,
            "title": "Acme website · 2026-11-09",
            "snippet": "<mark>ACME</mark> kickoff with &lt;b&gt;client&lt;&#x2F;b&gt;",
            "score": 2.5,
            "url": f"/timesheet/team/{alice.pk}/?week=2026-W46",
        },
        {
            "type": "project",
            "id": acme.pk,
            "title": "ACME Acme <website>",
            "snippet": "Acme &lt;website&gt;",
            "score": 1.25,
            "url": f"/api/v1/projects/{acme.pk}",
        },
    ]


def test_an_elasticsearch_error_falls_back_to_the_database(fake_es, alice, acme, api):
    make_entry(alice, acme, 9, "ACME kickoff")
    fake_es.search_response = None  # the fake answers 503

    body = api(alice).get("/api/v1/search", {"q": "kickoff"}).json()

    assert body["backend"] in ("database", "postgres")
    assert [r["type"] for r in body["results"]] == ["time_entry"]


def test_entries_in_the_index_are_of_the_type_time_entry():
    assert backends.DOCUMENT_OF_TYPE["time_entry"]._index._name == ENTRIES_INDEX
    assert TimeEntry._meta.label_lower in indexing.DOCUMENTS


def test_renaming_a_client_reindexes_its_projects_and_their_entries(fake_es, alice, acme, internal):
    entries = [make_entry(alice, acme, day, f"day {day}") for day in (9, 10)]
    make_entry(alice, internal, 11, "not Acme's")
    acme.client.name = "Acme Corporation"
    acme.client.save()

    assert indexing.index_object("timeentries.client", acme.client.pk, cascade=True) == "cascaded"

    bulk_lines = [line for r in fake_es.of("POST", "_bulk") + fake_es.of("PUT", "_bulk") for line in r.body]
    targets = [line["index"]["_id"] for line in bulk_lines if "index" in line]
    sources = [line for line in bulk_lines if "client" in line]
    assert targets == [str(acme.pk), *[str(entry.pk) for entry in entries]]
    assert {source["client"]["name"] for source in sources} == {"Acme Corporation"}


def test_a_person_moving_team_reindexes_their_entries_with_the_new_team(fake_es, alice, acme, team_b):
    entry = make_entry(alice, acme, 9, "kickoff")
    alice.team = team_b
    alice.save()

    indexing.index_object("users.user", alice.pk, cascade=True)

    bulk_lines = [line for r in fake_es.of("POST", "_bulk") + fake_es.of("PUT", "_bulk") for line in r.body]
    (source,) = [line for line in bulk_lines if line.get("id") == entry.pk]
    assert source["team_id"] == team_b.pk and source["user"]["id"] == alice.pk
