"""Issue 12, stream "outage": Redis, the database and Elasticsearch going away.

Redis down (item 11): sign-in fails closed with 503 + Retry-After, the per-user API throttle
fails open with a warning, writes and cached reads work, /health says Redis is down; when
Redis returns, counting resumes. Database down (item 13): 503 + Retry-After (JSON for the
API, a short page elsewhere) and recovery without a restart. Item 19 (part): /health checks
the Celery broker, and a hanging Elasticsearch is skipped for a while (circuit breaker).

Outages are real: a dead port, a redis-server and a TCP proxy this test starts and stops,
and server processes started here. The shared PostgreSQL and Redis are never touched.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import suppress
from datetime import UTC, date, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

from conftest import requires_postgres
from core import circuit
from core.tests.processes import free_port, stop, test_database_url, wait_until
from leave import services as leave_services
from leave.models import LeaveType
from timeentries.models import Project

ROOT = Path(__file__).resolve().parents[3]
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _closed_circuits():
    """Breakers are per process: a service one test took down must not stay skipped in the next."""
    circuit.reset_all()
    yield
    circuit.reset_all()


def _redis_cache(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "tt-outage-test",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }


# --- HTTP against a server process ---------------------------------------------------------


class Http:
    """A tiny HTTP client with cookies (no requests/httpx in the venv): status, headers, body."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect, urllib.request.ProxyHandler({})
        )

    def __call__(self, method: str, path: str, *, body=None, form=None, token=None, headers=None):
        data, all_headers = None, dict(headers or {})
        if body is not None:
            data, all_headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, all_headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.cookies if c.name == name)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


GUNICORN_OPTIONS = ("--workers", "1", "--timeout", "60", "--log-level", "warning")


def _start_server(env: dict, log: Path, settings_module: str = "config.settings") -> tuple[subprocess.Popen, Http]:
    """gunicorn (one sync worker, so one persistent database connection) on a free port."""
    port = free_port()
    output = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", *GUNICORN_OPTIONS],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "DEBUG": "false", **env},
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    http = Http(f"http://127.0.0.1:{port}")

    def answering() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_until(answering, "the server did not answer", log)
    return process, http


class TcpProxy:
    """127.0.0.1:<port> → a server (PostgreSQL, Redis). `close()` refuses new connections and
    cuts open ones (the server is gone for the app, its data kept); `open()` listens again."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.listener, self.sockets, self.lock = None, [], threading.Lock()

    def open(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self):
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets = []


# --- Item 11: Redis down --------------------------------------------------------------------

SETUP_SCRIPT = """
import json
from datetime import date
from django.core.management import call_command
from rest_framework_simplejwt.tokens import RefreshToken
from leave.models import LeaveType
from leave.services import leave_request_create
from users.models import Team, User

call_command("migrate", verbosity=0)
team = Team.objects.create(name="Team A")
manager = User.objects.create_user(email="bob@example.com", password="x", role=User.Role.MANAGER, team=team)
team.managers.add(manager)
alice = User.objects.create_user(email="alice@example.com", password="x", team=team)
pending = leave_request_create(
    actor=alice, leave_type=LeaveType.objects.get(code="unpaid"), start_date=date(2027, 3, 1), end_date=date(2027, 3, 2)
)
print(json.dumps({"token": str(RefreshToken.for_user(manager).access_token), "pending": pending.pk}))
"""


@pytest.fixture
def server_on_a_dead_redis(tmp_path):
    """A server process on a SQLite file prepared (migrated, a team) while Redis was fine,
    started with REDIS_URL pointing at a port where nothing listens. Tasks run eagerly: the
    broker being down too is item 12 (the outbox), not this one."""
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    prepared = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP_SCRIPT],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database, "REDIS_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert prepared.returncode == 0, prepared.stderr[-4000:]
    seeded = json.loads(prepared.stdout.strip().splitlines()[-1])
    log = tmp_path / "server.log"
    env = {"DATABASE_URL": database, "REDIS_URL": DEAD_REDIS, "CELERY_TASK_ALWAYS_EAGER": "true"}
    process, http = _start_server(env, log)
    yield http, seeded, log
    stop(process)


def test_item11_server_on_a_dead_redis_refuses_logins_with_503_but_serves_tokens_and_writes(server_on_a_dead_redis):
    http, seeded, log = server_on_a_dead_redis

    status, headers, body = http("POST", "/api/v1/auth/token", body={"email": "alice@example.com", "password": "x"})
    assert status == 503, body
    assert int(headers["Retry-After"]) >= 1
    error = json.loads(body)
    assert error["code"] == "service_unavailable" and "Try again in" in error["detail"]

    status, _, body = http("GET", "/api/v1/users/me", token=seeded["token"])
    assert status == 200, body
    assert json.loads(body)["email"] == "bob@example.com"
    assert "Redis cache at 127.0.0.1:1/0 unavailable" in log.read_text()  # the throttle failed open, and said so

    status, _, body = http("POST", f"/api/v1/leave/requests/{seeded['pending']}/approve", token=seeded["token"])
    assert status == 200, body
    assert json.loads(body)["status"] == "approved"

    status, _, body = http("GET", "/api/v1/analytics/widgets/team_absences", token=seeded["token"])
    assert status == 200, body
    assert json.loads(body)["kind"] == "team_absences"

    status, _, body = http("GET", "/health")
    assert status == 503
    report = json.loads(body)
    assert report["redis"].startswith("error: ") and report["database"] == "ok"


@pytest.mark.django_db
def test_item11_login_page_answers_503_with_a_short_message_while_redis_is_down(settings, client, alice, password):
    _redis_cache(settings, DEAD_REDIS)
    response = client.post("/accounts/login/", {"email": alice.email, "password": password})
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert "Try again in" in response.content.decode()
    assert "_auth_user_id" not in client.session  # failed closed: not signed in


@pytest.mark.django_db
def test_item11_writes_cached_reads_and_the_throttle_work_while_redis_is_down(
    settings, time_machine, api, alice, bob, caplog
):
    _redis_cache(settings, DEAD_REDIS)
    time_machine.move_to(datetime(2026, 12, 9, 12, 0, tzinfo=UTC), tick=False)
    request = leave_services.leave_request_create(
        actor=alice,
        leave_type=LeaveType.objects.get(code="sick"),  # no allowance needed, approved at once
        start_date=date(2026, 12, 7),
        end_date=date(2026, 12, 8),
    )
    assert request.status == "approved"  # a write that bumps the dashboard's cache versions
    project = Project.objects.create(name="Website", code="WEB")
    created = api(alice).post(
        "/api/v1/time-entries",
        {"project": project.pk, "start": "2026-12-01T09:00:00Z", "end": "2026-12-01T11:00:00Z"},
    )
    assert created.status_code == 201, created.json()

    widget = api(alice).get("/api/v1/analytics/widgets/month_by_project", {"range_days": 366})
    assert widget.status_code == 200, widget.json()
    assert widget.json()["labels"] == ["Website"]  # computed from the database, not the cache

    assert "Redis cache at 127.0.0.1:1/0 unavailable" in caplog.text
    assert any(r.levelname == "WARNING" for r in caplog.records if "Redis cache" in r.getMessage())


@pytest.mark.django_db
def test_item11_counting_resumes_when_redis_returns(settings, own_redis, api, client, alice, password, caplog):
    _redis_cache(settings, own_redis.url)
    settings.RATE_LIMIT_API_USER = "3/d"  # a day's window: the test cannot straddle two of them
    settings.REDIS_CIRCUIT_SECONDS = 0.5
    me = api(alice)

    assert [me.get("/api/v1/users/me").status_code for _ in range(4)] == [200, 200, 200, 429]

    own_redis.stop()
    assert [me.get("/api/v1/users/me").status_code for _ in range(4)] == [200, 200, 200, 200]  # fails open
    assert "unavailable" in caplog.text
    assert client.post("/accounts/login/", {"email": alice.email, "password": password}).status_code == 503

    own_redis.start()  # a fresh server: the counters start again from nothing
    time.sleep(settings.REDIS_CIRCUIT_SECONDS + 0.2)  # the breaker lets the next call try Redis again
    assert [me.get("/api/v1/users/me").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.post("/accounts/login/", {"email": alice.email, "password": password}).status_code == 302


@pytest.mark.django_db
def test_item11_a_change_made_while_redis_was_unreachable_shows_once_it_is_back(
    settings, time_machine, own_redis, api, alice
):
    """Redis unreachable but keeping its data (a network partition): the cache-version bump of
    a write made meanwhile is lost, yet the widget cached before must not be served after."""
    time_machine.move_to(datetime(2026, 12, 9, 12, 0, tzinfo=UTC), tick=True)
    proxy = TcpProxy(("127.0.0.1", own_redis.port))
    proxy.open()
    _redis_cache(settings, f"redis://127.0.0.1:{proxy.port}/0")
    settings.REDIS_CIRCUIT_SECONDS = 0.3
    client = api(alice)
    website, intranet = (Project.objects.create(name=name, code=name[:3].upper()) for name in ("Website", "Intranet"))

    def log_two_hours(project, day: int):
        entry = {"project": project.pk, "start": f"2026-12-0{day}T09:00:00Z", "end": f"2026-12-0{day}T11:00:00Z"}
        response = client.post("/api/v1/time-entries", entry)
        assert response.status_code == 201, response.json()

    def projects_on_the_widget():
        response = client.get("/api/v1/analytics/widgets/month_by_project", {"range_days": 30})
        assert response.status_code == 200, response.json()
        return response.json()["labels"]

    try:
        log_two_hours(website, 1)
        assert projects_on_the_widget() == ["Website"]  # now cached in Redis

        proxy.close()
        log_two_hours(intranet, 2)
        proxy.open()
        time.sleep(settings.REDIS_CIRCUIT_SECONDS + 0.2)  # the breaker lets the next call try Redis again

        assert sorted(projects_on_the_widget()) == ["Intranet", "Website"]
    finally:
        proxy.close()


# --- Item 13: database down -----------------------------------------------------------------


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_item13_database_outage_answers_503_and_recovers_without_a_restart(tmp_path, alice, password):
    db = connection.settings_dict
    proxy = TcpProxy((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)))
    proxy.open()
    database = test_database_url(host="127.0.0.1", port=proxy.port)
    # The test settings: their password hasher is the one the test's users were saved with.
    env = {"DATABASE_URL": database, "REDIS_URL": ""}
    process, http = _start_server(env, tmp_path / "server.log", settings_module="config.settings_test")
    try:
        token = str(RefreshToken.for_user(alice).access_token)
        http("GET", "/accounts/login/")
        status, _, _ = http(
            "POST",
            "/accounts/login/",
            form={"email": alice.email, "password": password, "csrfmiddlewaretoken": http.cookie("csrftoken")},
            headers={"Referer": http.base + "/accounts/login/"},
        )
        assert status == 302  # signed in to the pages: the session lives in the database
        assert http("GET", "/api/v1/users/me", token=token)[0] == 200
        assert http("GET", "/timesheet/")[0] == 200

        proxy.close()
        status, headers, body = http("GET", "/api/v1/users/me", token=token)
        assert status == 503, body
        assert int(headers["Retry-After"]) >= 1
        assert json.loads(body)["code"] == "service_unavailable"
        status, headers, body = http("GET", "/timesheet/")  # the session cannot even be read
        assert status == 503, body
        assert int(headers["Retry-After"]) >= 1
        assert headers["Content-Type"].startswith("text/html") and "Unavailable for a moment" in body
        status, _, body = Http(http.base)("GET", "/health")  # as a load balancer asks: no session cookie
        assert status == 503 and json.loads(body)["database"].startswith("error: ")

        proxy.open()  # the database is back: the same server process answers again
        assert http("GET", "/api/v1/users/me", token=token)[0] == 200
        assert http("GET", "/timesheet/")[0] == 200
    finally:
        stop(process)
        proxy.close()


# --- Item 19 (part): the broker in /health, a circuit breaker for Elasticsearch -------------


@pytest.mark.django_db
def test_item19_health_reports_a_down_celery_broker(settings, anon):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = DEAD_REDIS
    response = anon.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["broker"].startswith("error: ")
    assert body["database"] == "ok"


@pytest.mark.django_db
def test_item19_health_reports_a_live_broker_ok_and_an_eager_one_disabled(settings, anon, own_redis):
    assert anon.get("/health").json()["broker"] == "disabled"  # the test settings run tasks eagerly
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = own_redis.url
    response = anon.get("/health")
    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


@pytest.fixture
def hanging_es(settings):
    """The search tests' fake Elasticsearch, which can be told to accept requests and never
    answer them (until released), like a cluster stuck in a long GC pause."""
    from http.server import ThreadingHTTPServer

    from search.tests.conftest import FakeElasticsearch, _handler

    fake = FakeElasticsearch(url="")
    fake.hang, fake.release, fake.hung = threading.Event(), threading.Event(), []

    class Handler(_handler(fake)):
        def _handle(self):
            if fake.hang.is_set():
                fake.hung.append(self.path)
                fake.release.wait(10)
                return
            super()._handle()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ELASTICSEARCH_ENABLED, settings.ELASTICSEARCH_URL = True, fake.url
    settings.ELASTICSEARCH_DSL = {"default": {"hosts": fake.url, "request_timeout": 1}}
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.no_es
@pytest.mark.django_db
def test_item19_search_skips_a_hanging_elasticsearch_for_a_while_then_tries_again(settings, hanging_es, api, alice):
    settings.ELASTICSEARCH_CIRCUIT_SECONDS = 1
    client = api(alice)

    def backend() -> str:
        response = client.get("/api/v1/search", {"q": "kickoff"})
        assert response.status_code == 200, response.json()
        return response.json()["backend"]

    hanging_es.hang.set()
    assert backend() in ("database", "postgres")
    assert len(hanging_es.hung) == 1  # asked once, waited for the timeout, fell back
    assert backend() in ("database", "postgres")
    assert len(hanging_es.hung) == 1  # not asked again while the breaker is open

    hanging_es.hang.clear()
    hanging_es.release.set()
    time.sleep(settings.ELASTICSEARCH_CIRCUIT_SECONDS + 0.2)
    assert backend() == "elasticsearch"  # tried again after the pause, and it answers
    assert len(hanging_es.of("POST", "_search")) == 1
