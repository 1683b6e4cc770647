"""`make loadtest`: gunicorn as the Dockerfile runs it, on 127.0.0.1 only, under locust
(`bench/locustfile.py`), two measures. The mix: 10 and 30 concurrent people and integrations
with think time between their requests, latency (p50/p95/p99) per endpoint against the
issue's goals. Saturation: each list endpoint alone, at the lowest level's users without
think time, its throughput as a share of the /health floor (a run of /health alone at the
same number of users, also without think time). Writes bench/loadtest_results.json and
bench/loadtest.md, and prints the table.

Needs DATABASE_URL to a scratch PostgreSQL database (like `make bench`): the bench data of
`manage.py bench_data` (LOADTEST_ENTRIES entries, default 1,000,000) is generated there
unless it is there already. Bounded: LOADTEST_SECONDS per mix run (default 30; one a level),
LOADTEST_SATURATION_SECONDS per floor or saturation run (default 10; one floor a level and
one run per list endpoint), and LOADTEST_MAX_REQUESTS per run (default 20,000).

The run signs bench accounts in through Django's own login (sessions for the pages), the
token service (a JWT per person for the API, as POST /auth/token issues it) and a personal
access token (the integration), so no password hash is computed under load; everything it
wrote is deleted afterwards. The API's per-person rate limit is raised for the run
(RATE_LIMIT_API_USER): the test measures capacity, not the limiter, which still counts each
request in the same store."""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MARKER = "loadtest"
PERCENTILES = (0.50, 0.95, 0.99)
MIX = ["Staff", "Manager", "Integration"]
# The list endpoints of the issue's throughput goal, each alone in its own saturation run.
SATURATION = ["SaturateTimeEntries", "SaturateMonthReport", "SaturateLeaveList"]
# The issue's goals: p95 of a read and of a write in the mix, and a list endpoint's throughput
# as a share of the /health floor's.
P95_GOAL_MS = {"read": 150, "write": 250}
FLOOR_SHARE_GOAL = 0.5
THINK_TIME = {"people": "1,3", "integrations": "0.5,1"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default=os.environ.get("LOADTEST_USERS") or "10,30", help="levels, e.g. 10,30")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOADTEST_SECONDS") or 30), help="a mix run")
    parser.add_argument(
        "--saturation-seconds",
        type=int,
        default=int(os.environ.get("LOADTEST_SATURATION_SECONDS") or 10),
        help="a /health floor or list endpoint saturation run",
    )
    parser.add_argument("--max-requests", type=int, default=int(os.environ.get("LOADTEST_MAX_REQUESTS") or 20_000))
    parser.add_argument("--entries", type=int, default=int(os.environ.get("LOADTEST_ENTRIES") or 1_000_000))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY") or 3))
    parser.add_argument("--output", default=str(BASE_DIR / "bench" / "loadtest_results.json"))
    parser.add_argument("--markdown", default=str(BASE_DIR / "bench" / "loadtest.md"))
    parser.add_argument(
        "--no-data", action="store_true", help="use the bench data that is there, whatever its size (the test suite)"
    )
    parser.add_argument(
        "--development",
        action="store_true",
        help="serve with DJANGO_ENV=development and DEBUG off (no collectstatic; the test suite's quick run)",
    )
    return parser.parse_args(argv)


def refuse_without_scratch_database():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "error: set DATABASE_URL to a scratch PostgreSQL database, e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench make loadtest"
        )


def django_setup(secret_key: str):
    # The server and this process sign sessions and JWTs with one key.
    os.environ["SECRET_KEY"] = secret_key
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"  # the image's settings, not the tests'
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def manage(*args: str, env=None):
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=BASE_DIR, check=True, env=env)  # noqa: S603 - our own command line


def ensure_bench_data(entries: int, use_any: bool):
    from analytics.management.commands.bench_data import bench_users
    from timeentries.models import TimeEntry

    bench_entries = TimeEntry.objects.filter(user__in=bench_users())
    # Entries a run that was cut short left behind.
    bench_entries.filter(description=MARKER)._raw_delete(bench_entries.db)
    present = bench_entries.count()
    if present and (use_any or present == entries):
        print(f"bench data: {present:,} entries there already")
        return
    if use_any:
        sys.exit("error: no bench data (run manage.py bench_data first)")
    print(f"bench data: {present:,} entries there, {entries:,} wanted: generating (manage.py bench_data)")
    manage("migrate", "--noinput")
    manage("bench_data", "--entries", str(entries), "--reset")


def collect_static(environment: dict):
    """The image's collectstatic, once: repeated only when a static file is newer than the
    manifest (compressing every asset takes minutes on a busy machine)."""
    manifest = Path(environment["STATIC_ROOT"]) / "staticfiles.json"
    if manifest.exists():
        built = manifest.stat().st_mtime
        sources = [path for folder in BASE_DIR.glob("*/static") for path in folder.rglob("*") if path.is_file()]
        if all(path.stat().st_mtime <= built for path in sources):
            return
    print("collectstatic (production storage, once)")
    manage("collectstatic", "--noinput", "-v", "0", env=environment)


def sign_in(run_id: str, accounts: int) -> dict:
    """Credentials of the accounts the run plays (at most `accounts` of a kind, one per
    simulated user), made as the app makes them."""
    from django.contrib.auth import login
    from django.test import RequestFactory

    from analytics.management.commands.bench_data import ADMIN_EMAIL, TEAM_PREFIX, month_with_data
    from core import periods
    from timeentries.models import Project
    from users.models import TokenFamily, User
    from users.services_tokens import token_create
    from users.tokens import refresh_token_issue

    def session_of(user) -> str:
        request = RequestFactory().get("/accounts/login/", REMOTE_ADDR="127.0.0.1")
        request.session = session_store()()
        login(request, user, backend="users.backends.PasswordBackend")
        request.session.save()
        return request.session.session_key

    def access_of(user) -> str:
        return str(refresh_token_issue(user=user, family=TokenFamily.objects.create(user=user)).access_token)

    bench = User.objects.filter(email__endswith="@bench.example", is_active=True)
    # Staff from the big team's neighbours (not the big team: its manager's pages would show
    # the writes); managers of every team, the big one's first.
    staff = list(
        bench.filter(role=User.Role.EMPLOYEE).exclude(team__name=f"{TEAM_PREFIX}00").order_by("email")[:accounts]
    )
    managers = list(bench.filter(role=User.Role.MANAGER).order_by("team__name")[:accounts])
    admin = User.objects.get(email=ADMIN_EMAIL)
    projects = list(Project.objects.filter(archived=False, code__startswith="BENCH-").values_list("pk", flat=True))
    last_day = month_with_data()[1]
    week_start = periods.week_start_of(last_day - timedelta(days=7))
    expires = datetime.now(UTC) + timedelta(days=1)
    _, pat = token_create(user=admin, name=f"{MARKER} {run_id}", scopes=["read"], expires_at=expires)
    first, last = month_with_data()
    return {
        "week": periods.iso_week_label(week_start),
        "week_from": week_start.isoformat(),
        "week_to": (week_start + timedelta(days=6)).isoformat(),
        "month_from": first.isoformat(),
        "month_to": last.isoformat(),
        "staff": [
            {"email": u.email, "session": session_of(u), "token": access_of(u), "projects": projects[:20]}
            for u in staff
        ],
        "managers": [{"email": u.email, "session": session_of(u), "token": access_of(u)} for u in managers],
        "integrations": [
            {"email": admin.email, "token": pat, "credential": "personal access token"},
            {"email": admin.email, "token": access_of(admin), "credential": "JWT"},
        ],
    }


def session_store():
    """The configured session engine's store: a session ended through it is ended in Redis too."""
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore


def sign_out(fixture: dict, run_id: str):
    from analytics.management.commands.bench_data import bench_users
    from timeentries.models import TimeEntry
    from users.models import PersonalAccessToken

    keys = [account["session"] for kind in ("staff", "managers") for account in fixture[kind]]
    store = session_store()()
    for key in keys:
        store.delete(key)
    PersonalAccessToken.objects.filter(name=f"{MARKER} {run_id}").delete()
    leftovers = TimeEntry.objects.filter(user__in=bench_users(), description=MARKER)
    leftovers._raw_delete(leftovers.db)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, server: subprocess.Popen, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"error: gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:  # noqa: S310 - http://127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"error: {url}/health did not answer 200 within {timeout:.0f} s")


def stop(process: subprocess.Popen):
    """SIGTERM to the process group this run started (gunicorn's or Celery's master and
    its children), SIGKILL if it has not gone after 30 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def run_locust(url: str, users: int, seconds: int, max_requests: int, classes: list[str], workdir: Path, env: dict):
    """One locust run of `classes` (see bench/locustfile.py); its summary. `env` says the
    think time (LOADTEST_WAIT and LOADTEST_INTEGRATION_WAIT)."""
    result = workdir / f"{'-'.join(classes)}-{users}.json"
    command = [
        str(BIN / "locust"),
        "-f",
        str(BASE_DIR / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        url,
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    run_env = {**env, "LOADTEST_MAX_REQUESTS": str(max_requests), "LOADTEST_RESULT": str(result)}
    with (workdir / "locust.log").open("a") as log:
        subprocess.run(command, cwd=BASE_DIR, env=run_env, stdout=log, stderr=log)  # noqa: S603 - our own command line
    if not result.exists():
        sys.exit(f"error: locust wrote no result; see {workdir / 'locust.log'}")
    return summarise(json.loads(result.read_text()))


def percentile(buckets: dict, count: int, share: float) -> float:
    """From locust's response-time buckets (ms, rounded as locust rounds them)."""
    if not count:
        return 0.0
    rank, seen = share * count, 0
    for value, times in sorted((float(key), times) for key, times in buckets.items()):
        seen += times
        if seen >= rank:
            return value
    return 0.0


def figures(entries: list[dict], duration: float) -> dict:
    buckets: dict = {}
    for entry in entries:
        for key, times in entry["response_times"].items():
            buckets[key] = buckets.get(key, 0) + times
    requests = sum(entry["num_requests"] for entry in entries)
    return {
        "requests": requests,
        "errors": sum(entry["num_failures"] for entry in entries),
        "rps": round(requests / duration, 2) if duration else 0.0,
        "mean_ms": round(sum(entry["total_response_time"] for entry in entries) / requests, 1) if requests else 0.0,
        **{f"p{int(share * 100)}_ms": percentile(buckets, requests, share) for share in PERCENTILES},
    }


def p95_goal(method: str) -> dict:
    kind = "read" if method in ("GET", "HEAD") else "write"
    return {"kind": kind, "p95_goal_ms": P95_GOAL_MS[kind]}


def summarise(result: dict) -> dict:
    entries = result["entries"]
    # One window for every endpoint of a run, so that their req/s add up to the total.
    started = min((entry["start_time"] for entry in entries), default=0)
    ended = max((entry["last_request_timestamp"] or 0 for entry in entries), default=0)
    duration = max(ended - started, 0.001)
    endpoints = [
        {"method": entry["method"], "name": entry["name"], **figures([entry], duration), **p95_goal(entry["method"])}
        for entry in sorted(entries, key=lambda item: (item["name"], item["method"]))
    ]
    for endpoint in endpoints:
        endpoint["p95_met"] = endpoint["p95_ms"] < endpoint["p95_goal_ms"]
    failures = [
        {
            "method": error["method"],
            "name": error["name"],
            "error": str(error["error"])[:300],
            "count": error["occurrences"],
        }
        for error in result["errors"]
    ]
    return {
        "total": figures(entries, duration),
        "endpoints": endpoints,
        "failures": failures,
        "duration_s": round(duration, 1),
    }


def machine() -> dict:
    from analytics.management.commands.bench import machine_details

    return machine_details()


def table_row(users, label: str, item: dict) -> str:
    return (
        f"| {users} | {label} | {item['requests']:,} | {item['rps']:.1f} | {item['p50_ms']:.0f} | "
        f"{item['p95_ms']:.0f} | {item['p99_ms']:.0f} | {item['errors']} |"
    )


def goals(results: dict) -> list[str]:
    """One line a level on the mix's p95 goals, one on the list endpoints' throughput goal."""
    lines = []
    for level in results["levels"]:
        endpoints = level["mix"]["endpoints"]
        missed = [f"{e['method']} {e['name']} ({e['p95_ms']:.0f} ms)" for e in endpoints if not e["p95_met"]]
        lines.append(
            f"- {level['users']} users, mix: p95 goal (reads < {P95_GOAL_MS['read']} ms, writes < "
            f"{P95_GOAL_MS['write']} ms) met by {len(endpoints) - len(missed)} of {len(endpoints)} endpoints"
            + (f"; missed: {', '.join(missed)}" if missed else "")
            + "."
        )
    saturation = results.get("saturation")
    if saturation and saturation["runs"]:
        shares = [f"{run['name']} {run['floor_share']:.0%}" for run in saturation["runs"]]
        met = sum(run["floor_share_met"] for run in saturation["runs"])
        lines.append(
            f"- {saturation['users']} users, saturation: throughput ≥ {FLOOR_SHARE_GOAL:.0%} of the /health floor "
            f"({saturation['floor_rps']:.1f} req/s) met by {met} of {len(shares)} list endpoints: {', '.join(shares)}."
        )
    return lines


def markdown(results: dict) -> str:
    think = results["think_time"]
    lines = [
        f"Load test, {results['generated_at'][:16].replace('T', ' ')} UTC: {results['data']['time_entries']:,} "
        f"entries, gunicorn {results['server']['workers']} workers ({results['server']['env']}), "
        f"{results['seconds']} s a mix run (think time people {think['people'].replace(',', ' to ')} s, integrations "
        f"{think['integrations'].replace(',', ' to ')} s), {results['saturation_seconds']} s a floor or saturation run "
        f"(no think time), {results['machine']['cpu_count']} CPUs, {results['machine']['database']}, "
        f"load average before {results['load_average']['before']}, after {results['load_average']['after']}.",
        "",
        "| users | endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    saturation = results.get("saturation") or {"users": None, "runs": []}
    for level in results["levels"]:
        users = level["users"]
        lines.append(table_row(users, "**/health floor**", level["health"]["total"]))
        if users == saturation["users"]:
            for run in saturation["runs"]:
                label = f"**saturation: {run['method']} {run['name']}** ({run['floor_share']:.0%} of the floor)"
                lines.append(table_row(users, label, run["total"]))
        lines.append(table_row(users, "**mix, all endpoints** (with think time)", level["mix"]["total"]))
        for item in level["mix"]["endpoints"]:
            lines.append(table_row(users, f"{item['method']} {item['name']}", item))
    lines += ["", "Goals (issue 21):", *goals(results)]
    runs = [level[run] for level in results["levels"] for run in ("health", "mix")] + saturation["runs"]
    errors = [failure for run in runs for failure in run["failures"]]
    if errors:
        lines += ["", "Errors:"] + [f"- {e['count']} x {e['method']} {e['name']}: {e['error']}" for e in errors]
    return "\n".join(lines) + "\n"


def saturate(url: str, users: int, floor: dict, args, workdir: Path, env: dict) -> dict:
    """Each list endpoint alone at `users` without think time, beside the floor measured just
    before at the same number of users."""
    runs = []
    for user_class in SATURATION:
        summary = run_locust(url, users, args.saturation_seconds, args.max_requests, [user_class], workdir, env)
        [endpoint] = summary["endpoints"] or [{"method": "GET", "name": user_class}]
        share = summary["total"]["rps"] / floor["rps"] if floor["rps"] else 0.0
        runs.append(
            {
                "user_class": user_class,
                "method": endpoint["method"],
                "name": endpoint["name"],
                **summary,
                "floor_share": round(share, 3),
                "floor_share_met": share >= FLOOR_SHARE_GOAL,
            }
        )
        rps = summary["total"]["rps"]
        print(f"{users:>3} users saturation {rps:>7.1f} req/s {share:>4.0%} of the floor: {endpoint['name']}")
    return {"users": users, "floor_rps": floor["rps"], "floor_share_goal": FLOOR_SHARE_GOAL, "runs": runs}


def report(users: int, run: str, summary: dict):
    total = summary["total"]
    print(
        f"{users:>3} users {run:<6} {total['requests']:>7,} requests {total['rps']:>7.1f} req/s "
        f"p95 {total['p95_ms']:.0f} ms, {total['errors']} errors"
    )


def measure(url: str, levels: list[int], args, workdir: Path, env: dict) -> tuple[list, dict]:
    """The warm-up, then per level the floor and the mix; at the first level the saturation
    runs right after its floor. Returns the levels' results and the saturation's."""
    no_think = {**env, "LOADTEST_WAIT": "0", "LOADTEST_INTEGRATION_WAIT": "0"}
    think = {**env, "LOADTEST_WAIT": THINK_TIME["people"], "LOADTEST_INTEGRATION_WAIT": THINK_TIME["integrations"]}
    # Every worker imports its views and fills its caches before anything is counted.
    run_locust(url, min(levels), min(5, args.seconds), args.max_requests, MIX + SATURATION, workdir, no_think)
    results_levels, saturation = [], None
    for users in levels:
        level = {"users": users}
        level["health"] = run_locust(
            url, users, args.saturation_seconds, args.max_requests, ["HealthCheck"], workdir, no_think
        )
        report(users, "health", level["health"])
        if saturation is None:
            saturation = saturate(url, users, level["health"]["total"], args, workdir, no_think)
        level["mix"] = run_locust(url, users, args.seconds, args.max_requests, MIX, workdir, think)
        report(users, "mix", level["mix"])
        results_levels.append(level)
    return results_levels, saturation


def main(argv=None):
    args = parse_args(argv)
    refuse_without_scratch_database()
    levels = [int(level) for level in args.users.split(",") if level.strip()]
    secret_key = secrets.token_urlsafe(48)
    django_setup(secret_key)
    ensure_bench_data(args.entries, use_any=args.no_data)

    from django.db import connection

    from timeentries.models import TimeEntry

    server_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development" if args.development else "production",
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "RATE_LIMIT_API_USER": "1000000/h",
        "STATIC_ROOT": os.environ.get("STATIC_ROOT") or str(BASE_DIR / "staticfiles"),
        "PYTHONUNBUFFERED": "1",
    }
    if not args.development:
        collect_static(server_env)
    run_id = secrets.token_hex(4)
    fixture = sign_in(run_id, accounts=min(40, max(levels)))
    entries = TimeEntry.objects.count()
    connection.close()
    workdir = Path(tempfile.mkdtemp(prefix="loadtest-"))
    fixture_path = workdir / "fixture.json"
    fixture_path.write_text(json.dumps(fixture))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # As the Dockerfile's CMD runs it (workers, access log), bound to loopback only.
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            str(workdir / "access.log"),
            "--error-logfile",
            str(workdir / "error.log"),
        ],
        cwd=BASE_DIR,
        env=server_env,
        start_new_session=True,
    )
    # With a broker, one Celery worker beside the web server, as compose runs them on one
    # host: what the writes leave for after the commit (indexing, compliance) is done during
    # the run, on the same CPUs, instead of piling up in the queue.
    worker = None
    if server_env.get("REDIS_URL") or server_env.get("REDIS_HOST"):
        worker = subprocess.Popen(  # noqa: S603 - our own command line
            [str(BIN / "celery"), "-A", "config", "worker", "--concurrency=1", "--loglevel=WARNING"],
            cwd=BASE_DIR,
            env=server_env,
            stdout=(workdir / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    locust_env = {**os.environ, "LOADTEST_FIXTURE": str(fixture_path)}
    load_before = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    try:
        wait_for_health(url, server)
        results_levels, saturation = measure(url, levels, args, workdir, locust_env)
    finally:
        for process in (server, worker):
            if process is not None:
                stop(process)
        sign_out(fixture, run_id)
    results = {
        "generated_at": datetime.now(UTC).isoformat(),
        "seconds": args.seconds,
        "saturation_seconds": args.saturation_seconds,
        "max_requests": args.max_requests,
        "data": {"time_entries": entries},
        "server": {
            "command": "gunicorn config.wsgi:application --workers N --access-logfile FILE",
            "workers": args.workers,
            "env": server_env["DJANGO_ENV"],
            "redis": bool(os.environ.get("REDIS_URL") or os.environ.get("REDIS_HOST")),
            "celery_worker": worker is not None,
        },
        "wait": THINK_TIME["people"],
        "think_time": THINK_TIME,
        "goals": {"p95_ms": P95_GOAL_MS, "floor_share": FLOOR_SHARE_GOAL},
        "machine": machine(),
        "load_average": {"before": load_before, "after": ", ".join(f"{value:.1f}" for value in os.getloadavg())},
        "levels": results_levels,
        "saturation": saturation,
    }
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    Path(args.markdown).write_text(table)
    print(table)
    print(f"written to {args.output} and {args.markdown}")
    shutil.rmtree(workdir, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
