"""Issue 12, stream "deploy": the image builds, the browser tests hold on any Chromium, the
data can be backed up and restored, and migrations are safe on real data."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from conftest import requires_postgres
from core.models import AuditEvent
from timeentries.models import Project, TimeEntry

ROOT = Path(__file__).resolve().parents[3]
BUILD_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "collectstatic-build-only-placeholder-not-used-at-runtime-00000000",
}


def run_manage(*args, env_overrides, timeout=300):
    """manage.py in a subprocess with only the given DJANGO_*/server settings (no test settings)."""
    server_names = ("DJANGO_", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "POSTGRES_", "REDIS_HOST", "STATIC_ROOT")
    env = {k: v for k, v in os.environ.items() if not k.startswith(server_names)}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


# --- item 8: the production image builds -------------------------------------------------------


def test_item08_collectstatic_succeeds_under_production_settings(tmp_path):
    # The Dockerfile's build step: whitenoise's manifest storage rewrites every reference in
    # the vendored files and fails on one that points at a missing file (a source map).
    result = run_manage("collectstatic", "--noinput", env_overrides={**BUILD_ENV, "STATIC_ROOT": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/chart.umd.min.js", "vendor/htmx.min.js", "css/app.css"):
        assert name in manifest, name
        assert (tmp_path / manifest[name]).is_file()


# --- item 20: migrations are safe on real data --------------------------------------------------

LENGTH_CHECK = "timeentry_at_most_24_hours"


def _constraint_validated(name: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT convalidated FROM pg_constraint WHERE conname = %s", [name])
        row = cursor.fetchone()
    return None if row is None else row[0]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_item20_length_check_migrates_a_table_holding_a_26_hour_entry(alice):
    project = Project.objects.create(code="WEB", name="Website")
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    executor = MigrationExecutor(connection)
    executor.migrate([("timeentries", "0003_managers_permissions")])
    assert _constraint_validated(LENGTH_CHECK) is None
    # Rows written before the rule: a forgotten timer of 26 hours, a normal entry right after it.
    with connection.cursor() as cursor:
        for begin, finish, text in [
            (start, start + timedelta(hours=26), "forgot the timer"),
            (start + timedelta(hours=26), start + timedelta(hours=28), "next morning"),
        ]:
            cursor.execute(
                'INSERT INTO timeentries_timeentry (user_id, project_id, start, "end", description, billable,'
                " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, true, now(), now()) RETURNING id",
                [alice.pk, project.pk, begin, finish, text],
            )
        long_id = TimeEntry.objects.get(description="forgot the timer").pk

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert _constraint_validated(LENGTH_CHECK) is True
    pieces = list(TimeEntry.objects.filter(description="forgot the timer").order_by("start"))
    assert [(p.start, p.end) for p in pieces] == [
        (start, start + timedelta(hours=24)),
        (start + timedelta(hours=24), start + timedelta(hours=26)),
    ]
    assert pieces[0].pk == long_id
    assert {(p.user_id, p.project_id, p.billable) for p in pieces} == {(alice.pk, project.pk, True)}
    assert sum((p.end - p.start for p in TimeEntry.objects.filter(user=alice)), timedelta()) == timedelta(hours=28)
    event = AuditEvent.objects.get(action="time_entry_split")
    assert (event.subject_id, event.target_id, event.actor_id) == (alice.pk, str(long_id), None)
    assert event.actor_label == "system:migration timeentries.0004"
    assert event.data["original"]["end"] == (start + timedelta(hours=26)).isoformat()
    assert len(event.data["pieces"]) == 2
    # And from now on PostgreSQL refuses such rows itself.
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.filter(pk=long_id).update(end=start + timedelta(hours=25))
