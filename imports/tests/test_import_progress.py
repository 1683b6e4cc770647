"""A straight commit (every row in one transaction) shows its progress while it runs: a real
Celery worker commits the file and `GET /api/v1/imports/{id}` polled meanwhile sees it
move between the start and 100 (reported a batch at a time through Redis, since the
import's own row changes only when the transaction commits)."""

import hashlib
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import requires_postgres, requires_redis
from imports.models import Import
from imports.tasks import import_process
from imports.tests.helpers import ENTRY_HEADER, IMPORTS
from timeentries.models import TimeEntry
from users.models import User
from users.tests.factories import UserFactory

PEOPLE, DAYS = 60, 100


@pytest.fixture
def big_file(team_a, acme):
    """PEOPLE x DAYS entries (real time: the worker's clock cannot be frozen)."""
    people = [UserFactory(email=f"p{n}@example.com", team=team_a) for n in range(PEOPLE)]
    today = timezone.localdate()
    lines = [ENTRY_HEADER]
    for offset in range(1, DAYS + 1):
        day = today - timedelta(days=offset)
        lines += [f"{person.email},ACME,,{day} 08:00,{day} 12:00,,,,Work" for person in people]
    return SimpleUploadedFile("big.csv", ("\n".join(lines) + "\n").encode())


@pytest.fixture
def worker_shares_the_cache(monkeypatch, settings):
    """The worker (started after this) reads and writes the cache under this test run's key
    prefix (config/settings_test.py gives the test process its own)."""
    monkeypatch.setenv("CACHE_KEY_PREFIX", settings.CACHES["default"]["KEY_PREFIX"])


@requires_postgres
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_a_poller_sees_a_straight_commit_move_on_a_real_worker(
    worker_shares_the_cache, worker_process, api, carol, big_file
):
    # As `import_create` keeps an upload, without queuing its task: it goes to the worker's
    # own queue below, never to the default one.
    source = Import(owner=carol, kind="time_entries", filename="big.csv", dry_run=False)
    source.file_hash = hashlib.sha256(big_file.read()).hexdigest()
    big_file.seek(0)
    source.file.save("big.csv", big_file)
    client = api(carol)
    try:
        import_process.apply_async((source.pk,), queue=worker_process["queue"])
        seen, deadline = [], time.monotonic() + 300
        while time.monotonic() < deadline:
            found = client.get(f"{IMPORTS}/{source.pk}").json()
            seen.append((found["status"], found["progress"]))
            if found["status"] not in ("queued", "validating", "importing"):
                break
            time.sleep(0.05)
    finally:
        source.file.delete(save=False)  # the worker read it from MEDIA_ROOT

    assert found["status"] == "done", found["errors"]
    during = [progress for status, progress in seen if status == "importing"]
    assert any(5 < progress < 100 for progress in during), seen
    assert found["progress"] == 100
    assert TimeEntry.objects.count() == PEOPLE * DAYS
    assert User.objects.filter(email__startswith="p").count() == PEOPLE
    assert Import.objects.get(pk=source.pk).progress == 100
