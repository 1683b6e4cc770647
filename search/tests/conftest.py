"""Search test fixtures: a small catalogue with entries of every persona, and a fake
Elasticsearch — a real HTTP server on 127.0.0.1 that the real `elasticsearch` client talks
to, recording every request and answering like Elasticsearch 9 does (`fake_es`, in the root
conftest.py, runs one for a test). The catalogue (`acme`, `internal`) comes from there too."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from timeentries.models import TimeEntry


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    body: object


@dataclass
class FakeElasticsearch:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    search_response: dict = field(default_factory=lambda: {"hits": {"total": {"value": 0}, "hits": []}})
    existing_indices: set = field(default_factory=set)

    def of(self, method: str, path_part: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and path_part in r.path]


def _handler(fake: FakeElasticsearch):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if not raw:
                return None
            if "ndjson" in (self.headers.get("Content-Type") or ""):
                return [json.loads(line) for line in raw.splitlines() if line.strip()]
            return json.loads(raw)

        def _answer(self, status: int, payload=None):
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _handle(self):
            parts = urlsplit(self.path)
            body = self._body()
            fake.requests.append(Recorded(self.command, parts.path, parse_qs(parts.query), body))
            segments = [s for s in parts.path.split("/") if s]
            if self.command == "HEAD":
                return self._answer(200 if segments[0] in fake.existing_indices else 404)
            if segments[-1] == "_bulk":
                items = []
                for line in body:
                    op = next(iter(line))
                    if op in ("index", "create", "delete", "update"):
                        meta = line[op]
                        items.append({op: {"_index": meta["_index"], "_id": meta["_id"], "status": 200}})
                return self._answer(200, {"took": 1, "errors": False, "items": items})
            if segments[-1] == "_delete_by_query":  # run as a background task when asked to
                if parts.query and "wait_for_completion=false" in parts.query:
                    return self._answer(200, {"task": "fake-node:1"})
                return self._answer(200, {"took": 1, "deleted": 0, "failures": []})
            if segments[-1] == "_search":
                if fake.search_response is None:  # an unhealthy cluster
                    return self._answer(503, {"error": {"type": "cluster_block_exception"}, "status": 503})
                return self._answer(200, fake.search_response)
            if self.command == "PUT" and len(segments) == 1:
                fake.existing_indices.add(segments[0])
                return self._answer(200, {"acknowledged": True, "shards_acknowledged": True, "index": segments[0]})
            if self.command == "PUT" and segments[-1] == "_mapping":  # new fields added to an index
                return self._answer(200, {"acknowledged": True})
            if len(segments) == 3 and segments[1] == "_doc":
                result = {"PUT": "created", "POST": "created", "DELETE": "deleted"}[self.command]
                return self._answer(200, {"_index": segments[0], "_id": segments[2], "result": result, "_version": 1})
            return self._answer(400, {"error": {"type": "fake", "reason": f"unexpected {self.command} {parts.path}"}})

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler


@contextmanager
def fake_elasticsearch(settings) -> Iterator[FakeElasticsearch]:
    """A running fake Elasticsearch that the settings point at (tests elsewhere use it too)."""
    fake = FakeElasticsearch(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ELASTICSEARCH_ENABLED = True
    settings.ELASTICSEARCH_URL = fake.url
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def es_off(settings):
    settings.ELASTICSEARCH_ENABLED = False
    settings.ELASTICSEARCH_URL = ""


def make_entry(user, project, day: int, description: str, hours: int = 2) -> TimeEntry:
    start = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
    return TimeEntry.objects.create(
        user=user, project=project, start=start, end=start.replace(hour=9 + hours), description=description
    )


@pytest.fixture
def entries(alice, bob, carol, dave, erin, acme, internal):
    """One "ACME kickoff" entry per persona, plus a decoy that never matches."""
    return {
        "alice": make_entry(alice, acme, 9, "ACME kickoff with the client"),
        "bob": make_entry(bob, acme, 9, "ACME kickoff, planning"),
        "carol": make_entry(carol, internal, 9, "Kickoff notes for ACME"),
        "dave": make_entry(dave, acme, 9, "acme kickoff from team B"),
        "erin": make_entry(erin, acme, 9, "Acme KICKOFF review"),
        "decoy": make_entry(alice, internal, 10, "Quarterly planning"),
    }
