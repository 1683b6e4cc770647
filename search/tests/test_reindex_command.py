"""`manage.py search_reindex`: the README's way to fill the indices."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from search.documents import DOCUMENTS
from search.tests.conftest import make_entry

pytestmark = pytest.mark.no_es
ENTRIES_INDEX = f"{settings.ELASTICSEARCH_INDEX_PREFIX}-time-entries"


def sent_ids(fake_es) -> list[str]:
    bulks = fake_es.of("PUT", "_bulk") + fake_es.of("POST", "_bulk")
    return [line["index"]["_id"] for request in bulks for line in request.body if "index" in line]


def test_it_reindexes_every_searchable_model(fake_es, alice, acme):
    entry = make_entry(alice, acme, 9, "kickoff")
    out = io.StringIO()

    call_command("search_reindex", stdout=out)

    assert [line.split(":")[0] for line in out.getvalue().splitlines()] == list(DOCUMENTS)
    assert "timeentries.timeentry: 1 rows indexed" in out.getvalue()
    assert {request.path for request in fake_es.of("PUT") if "_bulk" not in request.path} >= {f"/{ENTRIES_INDEX}"}
    assert str(entry.pk) in sent_ids(fake_es)


def test_one_model_resumes_after_start_pk(fake_es, alice, acme):
    entries = [make_entry(alice, acme, day, f"day {day}") for day in (9, 10, 11)]
    out = io.StringIO()

    call_command("search_reindex", "--model", "timeentries.timeentry", "--start-pk", str(entries[0].pk), stdout=out)

    assert out.getvalue() == "timeentries.timeentry: 2 rows indexed\n"
    assert sent_ids(fake_es) == [str(entries[1].pk), str(entries[2].pk)]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--start-pk", "5"], "--start-pk resumes one model"),
        (["--model", "timeentries.timeentry", "--batch", "0"], "--batch at least 1"),
        (["--model", "users.team"], "invalid choice"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(fake_es, db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("search_reindex", *arguments)


def test_without_elasticsearch_it_says_so(es_off, db):
    with pytest.raises(CommandError, match="ELASTICSEARCH_HOST"):
        call_command("search_reindex")
