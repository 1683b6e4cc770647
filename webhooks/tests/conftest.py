"""Webhook test fixtures: a real HTTP receiver on 127.0.0.1 (http.server in a thread) that
records every request and answers from a script, a signature check written from the
Standard Webhooks specification (not from the code under test), a webhook registered
through the API by carol (admin), and Alice logging work so that an event happens."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.models import EVENTS

HOOKS = "/api/v1/webhooks"
ENTRIES = "/api/v1/time-entries"
SIGNATURE_TOLERANCE = 300  # seconds: what a receiver accepts before calling it a replay


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    port: int
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer, in order; once used up, `then` for every request.
    script: list[int] = field(default_factory=list)
    then: int = 200
    location: str = ""  # sent with a 3xx

    def answer(self) -> int:
        return self.script.pop(0) if self.script else self.then


def signature_valid(secret: str, request: Received, *, now: float | None = None) -> bool:
    """The receiver's side of Standard Webhooks: HMAC-SHA256 over `id.timestamp.body` with the
    base64-decoded key after `whsec_`, any of the space-separated `v1,` signatures matching,
    and the timestamp within the tolerance of the receiver's clock."""
    message_id = request.headers["Webhook-Id"]
    timestamp = request.headers["Webhook-Timestamp"]
    if abs((now if now is not None else time.time()) - int(timestamp)) > SIGNATURE_TOLERANCE:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [part.split(",", 1)[1] for part in request.headers["Webhook-Signature"].split() if part.startswith("v1,")]
    return any(hmac.compare_digest(expected, candidate) for candidate in given)


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.answer()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    port = server.server_address[1]
    hook = Receiver(url=f"http://127.0.0.1:{port}/hooks/time", port=port)
    server.RequestHandlerClass = _handler(hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()


@pytest.fixture
def allow_private(settings):
    """The receiver listens on 127.0.0.1, which webhooks refuse unless this is set."""
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def register(api, carol, allow_private):
    """`register(url, events=every event)` -> the create answer (with its one-time secret)."""

    def create(url: str, events=EVENTS, **extra) -> dict:
        response = api(carol).post(HOOKS, {"url": url, "events": list(events), **extra}, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return create


@pytest.fixture
def alice_since_2020(alice, frozen_2026_03_02):
    """Alice, employed since 2020, logs her work to `internal`."""
    alice.employment_start = date(2020, 1, 1)
    alice.save(update_fields=["employment_start"])
    return alice


@pytest.fixture
def log_work(api, alice_since_2020, internal, django_capture_on_commit_callbacks):
    """`log_work(day)`: Alice logs 09:00-10:00 UTC of `day` (an ISO date); its deliveries are
    tried as the write commits."""

    def log(day: str) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = api(alice_since_2020).post(
                ENTRIES, {"project": internal.pk, "start": f"{day}T09:00:00Z", "end": f"{day}T10:00:00Z"}
            )
        assert response.status_code == 201, response.json()
        return response.json()

    return log
