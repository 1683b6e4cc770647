"""Issue 12, stream "deploy": the image builds, the browser tests hold on any Chromium, the
data can be backed up and restored, and migrations are safe on real data."""

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from playwright.sync_api import expect

from conftest import requires_postgres
from core.models import AuditEvent
from core.tests.test_deployment import as_mapping, command_text, dockerfile_instructions
from timeentries.models import Project, Task, TimeEntry

ROOT = Path(__file__).resolve().parents[3]
BUILD_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "collectstatic-build-only-placeholder-not-used-at-runtime-00000000",
}


def run_manage(*args, env_overrides, timeout=300):
    """manage.py in a subprocess with only the given DJANGO_*/server settings (no test settings)."""
    server_names = ("DJANGO_", "SECRET_KEY", "DATABASE_URL", "REDIS_", "POSTGRES_", "ELASTICSEARCH_", "STATIC_ROOT")
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


# --- item 10: the timesheet fits a phone, whatever Chromium and fonts draw ------------------------

LARGE_TEXT = (
    "document.addEventListener('DOMContentLoaded', () => {"
    " const style = document.createElement('style');"
    " style.textContent = 'html { font-size: 150% !important; font-family: monospace !important; }';"
    " document.head.append(style); });"
)
PHONE_LAYOUT = """() => {
    const scroller = document.querySelector('.grid-scroll');
    // Absolutely positioned text (screen-reader labels) in the table must be laid out
    // inside the scrolling box; else it overflows the page, by as much as the column
    // it sits in (today's) lies beyond the screen.
    const escaping = [...scroller.querySelectorAll('*')]
        .filter(el => el.getClientRects().length > 0)  // rendered (not inside display: none)
        .filter(el => ['absolute', 'fixed'].includes(getComputedStyle(el).position))
        .filter(el => !scroller.contains(el.offsetParent))
        .map(el => el.outerHTML);
    return {page: document.documentElement.scrollWidth, inner: scroller.scrollWidth,
            outer: scroller.clientWidth, escaping};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "large_text"), [(320, False), (375, False), (375, True)])
def test_item10_timesheet_fits_a_phone_whatever_the_width_and_fonts(
    live_server, browser, alice, password, width, large_text
):
    project = Project.objects.create(code="MAINT", name="Maintenance of the customer portal and its payment gateway")
    Task.objects.create(project=project, name="Investigating an incident reported by the operations team")
    # A phone lays the page out at device width and widens it to fit what overflows; measure
    # against the width asked for, not window.innerWidth, which widens with the page.
    context = browser.new_context(
        viewport={"width": width, "height": 740}, is_mobile=True, bypass_csp=large_text, locale="en-US"
    )
    if large_text:  # another font and size stand for whatever fonts the machine has
        context.add_init_script(LARGE_TEXT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/timesheet/")
        page.get_by_label("Email").fill(alice.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/timesheet/")
        page.locator("#id_row-work").select_option(str(project.pk))
        page.get_by_role("button", name="Add row").click()  # was intercepted by the overflowing grid
        expect(page.locator(f"#grid .project-code:text-is('{project.code}')")).to_be_visible()
        layout = page.evaluate(PHONE_LAYOUT)
        assert layout["escaping"] == []
        assert layout["page"] <= width, layout  # the page itself does not scroll sideways
        assert layout["inner"] > layout["outer"], layout  # the grid scrolls inside its own box
    finally:
        context.close()


# --- item 18: backup and restore ------------------------------------------------------------------

COUNTS = (
    "from django.apps import apps; import json; "
    "print(json.dumps({m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed}))"
)


def _postgres_url(name: str) -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _recreate_database(name: str, *, drop_only: bool = False) -> None:
    with connection.cursor() as cursor:  # CREATE/DROP DATABASE cannot run in a transaction: autocommit here
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cursor.execute(f'CREATE DATABASE "{name}"')


def _app(*args, database_url: str) -> str:
    result = run_manage(*args, env_overrides={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _script(name: str, directory: Path, *, database_url: str, media_root: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root)}
    result = subprocess.run(
        [str(ROOT / "scripts" / name), str(directory)], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@requires_postgres
@pytest.mark.skipif(not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="needs pg_dump/pg_restore")
@pytest.mark.django_db(transaction=True)
def test_item18_documented_backup_restores_database_and_media(tmp_path):
    source, target = (f"{connection.settings_dict['NAME']}_{role}" for role in ("backup_src", "backup_dst"))
    source_url, target_url = _postgres_url(source), _postgres_url(target)
    try:
        _recreate_database(source)
        _recreate_database(target)
        _app("migrate", "--noinput", "-v", "0", database_url=source_url)
        _app("seed_demo", database_url=source_url)
        media = tmp_path / "media"
        (media / "exports").mkdir(parents=True)
        (media / "exports" / "report-2026-11.xlsx").write_bytes(b"PK\x03\x04 an export the worker wrote")
        backup = tmp_path / "backup"
        _script("backup.sh", backup, database_url=source_url, media_root=media)
        counts = json.loads(_app("shell", "-c", COUNTS, database_url=source_url).splitlines()[-1])
        assert counts["timeentries.TimeEntry"] > 0 and counts["users.User"] > 0

        restored_media = tmp_path / "restored-media"
        restored_media.mkdir()
        (restored_media / "stale.txt").write_text("written after the backup")
        # Twice: into an empty database, then over the restored one (--clean --if-exists).
        for _ in range(2):
            _script("restore.sh", backup, database_url=target_url, media_root=restored_media)

        assert json.loads(_app("shell", "-c", COUNTS, database_url=target_url).splitlines()[-1]) == counts
        assert _files(restored_media) == _files(media)
        _app("check", database_url=target_url)
        _app("migrate", "--check", database_url=target_url)  # nothing left to apply: the schema came back whole
    finally:
        _recreate_database(source, drop_only=True)
        _recreate_database(target, drop_only=True)


@pytest.fixture(scope="module")
def compose_services():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_item18_migrations_run_once_in_their_own_service_before_the_app(compose_services):
    migrate = compose_services["migrate"]
    command = command_text(migrate)
    assert "manage.py migrate --noinput" in command and "manage.py setup_schedules" in command
    assert command.index("migrate --noinput") < command.index("setup_schedules")
    assert str(migrate.get("restart")) == "no", "a one-shot service must not restart after it finished"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert not re.search(r"\bmigrate\b|setup_schedules", command_text(compose_services[name])), f"{name} migrates"
        depends_on = compose_services[name]["depends_on"]
        assert depends_on.get("migrate", {}).get("condition") == "service_completed_successfully", name
        assert "web" not in depends_on, f"{name} need not wait for web any more"


def test_item18_web_and_worker_share_one_media_volume_at_media_root(compose_services):
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "media" in compose["volumes"]
    # The image's MEDIA_ROOT: the project is copied to /app (WORKDIR), MEDIA_ROOT is media/ in it.
    assert settings.MEDIA_ROOT == settings.BASE_DIR / "media"
    instructions = dockerfile_instructions()
    assert ("WORKDIR", "/app") in instructions
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "mkdir -p /app/media" in runs and "chown app:app /app/media" in runs  # the app user writes exports
    for name in ("web", "worker"):
        assert "media:/app/media" in compose_services[name].get("volumes", []), (
            f"{name} does not mount media at /app/media"
        )


def _seconds(duration: str) -> int:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", str(duration))
    assert match and any(match.groups()), f"unreadable duration {duration!r}"
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def _compose_default(value: str) -> int:
    match = re.fullmatch(r"\$\{(\w+):-(\d+)\}", str(value))
    assert match, f"{value!r} should be ${{NAME:-default}}"
    return int(match.group(2))


def test_item14_worker_stop_grace_period_outlasts_the_celery_time_limits(compose_services):
    env = as_mapping(compose_services["worker"]["environment"])
    soft, hard = _compose_default(env["CELERY_TASK_SOFT_TIME_LIMIT"]), _compose_default(env["CELERY_TASK_TIME_LIMIT"])
    source = (ROOT / "config" / "settings.py").read_text()
    for name, value in (("CELERY_TASK_SOFT_TIME_LIMIT", soft), ("CELERY_TASK_TIME_LIMIT", hard)):
        assert f'env.int("{name}", default={value})' in source, f"compose and settings disagree on {name}"
    assert soft < hard < _seconds(compose_services["worker"]["stop_grace_period"])


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
    # Raw SQL at this schema state: today's model has columns (kind, day, …) that 0003 lacks.
    inserted = {}
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
            inserted[text] = cursor.fetchone()[0]
    long_id = inserted["forgot the timer"]

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
