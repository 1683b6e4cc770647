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
from playwright.sync_api import expect

from conftest import requires_postgres
from core.models import AuditEvent
from timeentries.models import Project, Task, TimeEntry

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
