"""Real processes for tests that need them: a redis-server of the test's own, a `celery
worker` on the test database, and waiting for either to do something. One copy, used by the
compliance worker test and the hardening tests."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30  # seconds a started process, or the work handed to it, may take


def wait_until(condition, what: str, log: Path | None = None) -> None:
    """Poll `condition` for up to WAIT seconds; fail the test saying `what` did not happen
    (with the end of the process's `log`, if there is one)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {WAIT} s." + (f"\nLog:\n{log.read_text()[-4000:]}" if log else ""))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class RedisServer:
    """A redis-server of the test's own on a spare port, stopped and started at will."""

    def __init__(self, directory: Path):
        self.port, self.directory, self.process = free_port(), directory, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, f"redis-server did not answer on port {self.port}")

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def waiting(self) -> int:
        """Celery messages not yet finished by a worker: queued, or taken and not acknowledged."""
        client = redis.Redis(port=self.port)
        return sum(client.llen(queue.name) for queue in settings.CELERY_TASK_QUEUES) + client.hlen("unacked")


def test_database_url(*, host: str | None = None, port: int | None = None) -> str:
    """The URL of pytest-django's test database (test_…), which another process must use;
    `host`/`port` point it elsewhere (a proxy in front of the server)."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host, port = host or db.get("HOST") or "localhost", port or db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@contextmanager
def celery_worker_process(
    *, redis_url: str, app, queues: list[str] | None = None, pool: str = "solo"
) -> Iterator[dict]:
    """A `celery worker` process on the test database, listening on a queue of its own (so a
    worker another test run started on the same Redis never takes this test's tasks), or on
    `queues` (on a Redis of the test's own), with `app` sending to the broker instead of
    running tasks eagerly. A solo `pool` answers no ping or inspect while a task runs;
    "prefork" (one child, as deployed) does. Yields its queue, name and log."""
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    queue = ",".join(queues) if queues else f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "--concurrency=1"]
    command += ["--loglevel=info"]
    command += ["--without-gossip", "--without-mingle", "-Q", queue, "-n", name]
    previous, app.conf.task_always_eager = app.conf.task_always_eager, False
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "worker.log"
        with log.open("w") as output:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
            try:
                wait_until(
                    lambda: process.poll() is None and bool(app.control.ping(destination=[name], timeout=0.5)),
                    "The worker did not answer a ping",
                    log,
                )
                yield {"queue": queue, "name": name, "log": log}
            finally:
                stop(process)
                app.conf.task_always_eager = previous
