"""A tiny run of the load test (bench/loadtest.py with bench/locustfile.py) against a live
gunicorn on the test database, so that `make loadtest` cannot rot between real runs. The
server is another process, so the data must be committed (transactional_db) and the
database PostgreSQL, as `make loadtest` requires."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection

from conftest import requires_postgres
from timeentries.models import TimeEntry
from users.models import PersonalAccessToken

BASE_DIR = Path(settings.BASE_DIR)


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@requires_postgres
def test_load_test_runs_against_a_live_server_and_writes_its_table_on_postgres(transactional_db, tmp_path):
    call_command("bench_data", entries=600, users=16, teams=3, projects=6, leave_requests=40, leave_people=6, seed=3)
    output, table = tmp_path / "loadtest.json", tmp_path / "loadtest.md"
    env = {**os.environ, "DATABASE_URL": database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    command = [sys.executable, "bench/loadtest.py", "--users", "2", "--seconds", "3", "--saturation-seconds", "2"]
    command += ["--no-data", "--development"]
    command += ["--output", str(output), "--markdown", str(table)]

    done = subprocess.run(
        command,
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads(output.read_text())
    [level] = results["levels"]
    assert level["users"] == 2
    floor, mix = level["health"], level["mix"]
    assert [endpoint["name"] for endpoint in floor["endpoints"]] == ["/health"]
    assert floor["total"]["requests"] > 0 and floor["total"]["errors"] == 0
    assert mix["total"]["requests"] > 0
    assert mix["total"]["errors"] == 0, mix["failures"]
    assert all(endpoint["name"] != "/health" for endpoint in mix["endpoints"])
    for item in (floor["total"], *mix["endpoints"]):
        assert item["p50_ms"] <= item["p95_ms"] <= item["p99_ms"]
        assert item["rps"] > 0
    assert results["server"]["workers"] == 3
    # The mix is people and integrations pausing between requests, judged per endpoint
    # against the p95 goals (reads 150 ms, writes 250 ms).
    assert results["think_time"] == {"people": "1,3", "integrations": "0.5,1"}
    for endpoint in mix["endpoints"]:
        assert endpoint["p95_goal_ms"] == (150 if endpoint["method"] == "GET" else 250)
        assert endpoint["p95_met"] == (endpoint["p95_ms"] < endpoint["p95_goal_ms"])
    # Each list endpoint alone without think time, as a share of the floor at the same users.
    saturation = results["saturation"]
    assert saturation["users"] == 2 and saturation["floor_rps"] == floor["total"]["rps"]
    assert [run["name"] for run in saturation["runs"]] == [
        "api: time entries list page (admin)",
        "api: month report, all people (admin)",
        "api: leave requests (manager)",
    ]
    for run in saturation["runs"]:
        assert run["total"]["errors"] == 0, run["failures"]
        assert run["total"]["rps"] > 0
        assert run["floor_share"] == round(run["total"]["rps"] / floor["total"]["rps"], 3)
        assert run["floor_share_met"] == (run["floor_share"] >= 0.5)
    text = table.read_text()
    assert "| users | endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |" in text
    assert "| 2 | **saturation: GET api: leave requests (manager)** (" in text
    assert "2 users, saturation: throughput ≥ 50% of the /health floor" in text
    assert "2 users, mix: p95 goal (reads < 150 ms, writes < 250 ms) met by" in text
    # Everything the run made to play its people is gone again.
    assert not TimeEntry.objects.filter(description="loadtest").exists()
    assert not PersonalAccessToken.objects.filter(name__startswith="loadtest").exists()
    assert not Session.objects.exists()


def test_load_test_refuses_without_a_scratch_postgresql_database(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}

    done = subprocess.run(
        [sys.executable, "bench/loadtest.py", "--output", str(tmp_path / "out.json")],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "DATABASE_URL" in done.stderr
    assert not (tmp_path / "out.json").exists()
