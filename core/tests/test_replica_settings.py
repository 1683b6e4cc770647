"""DATABASE_REPLICA_URLS as settings.py reads it (a fresh process each: settings load once)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json; from django.conf import settings; "
    "print(json.dumps({'replicas': settings.DATABASE_REPLICAS, 'databases': settings.DATABASES, "
    "'routers': settings.DATABASE_ROUTERS}, default=str))"
)


def settings_with(**env_overrides) -> subprocess.CompletedProcess:
    server_names = ("DJANGO_", "DATABASE_", "POSTGRES_", "CONN_MAX_AGE", "REPLICA_")
    env = {name: value for name, value in os.environ.items() if not name.startswith(server_names)}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_each_replica_url_becomes_an_alias_with_the_primarys_connection_options():
    result = settings_with(
        DATABASE_URL="postgres://app:secret@primary.internal:5432/timetracker",
        DATABASE_REPLICA_URLS="postgres://app:secret@replica-a.internal:5432/timetracker,"
        "postgres://reader:other@replica-b.internal:6432/timetracker",
        CONN_MAX_AGE="120",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["replicas"] == ["replica_0", "replica_1"]
    assert shown["routers"] == ["core.db_router.ReplicaRouter"]
    primary, first, second = (shown["databases"][alias] for alias in ("default", "replica_0", "replica_1"))
    assert (first["HOST"], first["PORT"], first["USER"]) == ("replica-a.internal", 5432, "app")
    assert (second["HOST"], second["PORT"], second["USER"], second["PASSWORD"]) == (
        "replica-b.internal",
        6432,
        "reader",
        "other",
    )
    for replica in (first, second):
        assert replica["ENGINE"] == primary["ENGINE"] == "django.db.backends.postgresql"
        assert replica["OPTIONS"] == primary["OPTIONS"] == {"connect_timeout": 2}
        assert replica["CONN_MAX_AGE"] == primary["CONN_MAX_AGE"] == 120
        assert replica["CONN_HEALTH_CHECKS"] is primary["CONN_HEALTH_CHECKS"] is True
        # Tests never create a database on a replica: it stands for the test database.
        assert replica["TEST"]["MIRROR"] == "default"


def test_without_replica_urls_there_is_only_the_primary():
    result = settings_with(DATABASE_URL="postgres://app:secret@primary.internal:5432/timetracker")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["replicas"] == [] and list(shown["databases"]) == ["default"]


def test_replicas_of_a_sqlite_database_are_refused_by_name():
    result = settings_with(DATABASE_REPLICA_URLS="postgres://app@replica.internal/timetracker")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS lists PostgreSQL replicas of a PostgreSQL DATABASE_URL" in result.stderr
