"""Personas shared by every app's tests, so tests read like stories:

alice (employee, team A), bob (manages team A), carol (admin),
dave (employee, team B), erin (manages team B), frank (employee, team A: alice's team mate).
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from users.models import User
from users.tests.factories import PASSWORD, TeamFactory, UserFactory

requires_postgres = pytest.mark.skipif(
    not settings.DATABASE_IS_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL); SQLite cannot prove this"
)
requires_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real Redis (set REDIS_URL)")


def pytest_sessionstart(session):
    """German pages and messages need the compiled catalogues (built, never committed): `make test`
    compiles them, and so does a bare pytest run, once, before any xdist worker starts."""
    if not hasattr(session.config, "workerinput"):
        call_command("catalogues", compile=True)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters and cached values never leak from one test into the next. On
    Redis only this test process's key prefix is wiped, so parallel workers keep theirs."""
    wipe = (lambda: cache.delete_pattern("*")) if hasattr(cache, "delete_pattern") else cache.clear
    wipe()
    yield
    wipe()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def team_a(db):
    return TeamFactory(name="Team A")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="Team B")


@pytest.fixture
def bob(team_a):
    user = UserFactory(email="bob@example.com", first_name="Bob", role=User.Role.MANAGER, team=team_a)
    team_a.managers.add(user)
    return user


@pytest.fixture
def erin(team_b):
    user = UserFactory(email="erin@example.com", first_name="Erin", role=User.Role.MANAGER, team=team_b)
    team_b.managers.add(user)
    return user


@pytest.fixture
def alice(team_a, bob):
    return UserFactory(email="alice@example.com", first_name="Alice", team=team_a)


@pytest.fixture
def frank(team_a, bob):
    return UserFactory(email="frank@example.com", first_name="Frank", team=team_a)


@pytest.fixture
def dave(team_b, erin):
    return UserFactory(email="dave@example.com", first_name="Dave", team=team_b)


@pytest.fixture
def carol(db):
    return UserFactory(email="carol@example.com", first_name="Carol", role=User.Role.ADMIN)


# --- the clock: one fixture per reference moment, named after its date ----------------------


def _frozen_at(moment: datetime):
    """The clock stands still at `moment` (the traveller can `.shift(...)` and `.move_to(...)`)."""
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


@pytest.fixture
def frozen_2026_03_02():
    """Monday 2 March 2026, 10:00 UTC (11:00 in Berlin): the leave tests' today."""
    yield from _frozen_at(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))


@pytest.fixture
def frozen_2026_03_04():
    """Wednesday 4 March 2026, 12:00 UTC, in ISO week 2026-W10: the compliance tests' today."""
    yield from _frozen_at(datetime(2026, 3, 4, 12, tzinfo=UTC))


@pytest.fixture
def frozen_2026_11_12():
    """Thursday 12 November 2026, 14:00 UTC (15:00 in Berlin), in ISO week 2026-W46 (Mon 9 to
    Sun 15 November): the time entry tests' today."""
    yield from _frozen_at(datetime(2026, 11, 12, 14, 0, tzinfo=UTC))


@pytest.fixture
def frozen_2026_11_26():
    """Thursday 26 November 2026, 12:00 UTC: the reports' today (they look at October and
    November)."""
    yield from _frozen_at(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))


# --- the catalogue --------------------------------------------------------------------------


@pytest.fixture
def make_project(db):
    """`make_project(code=..., name=..., client=None, hourly_rate=0, billable=True)`: a project,
    with its client (by name) created on first use. For a project whose fields the test reads."""
    from timeentries.models import Client, Project

    def make(*, code: str, name: str, client: str | None = None, hourly_rate=Decimal("0"), billable: bool = True):
        owner = Client.objects.get_or_create(name=client)[0] if client else None
        return Project.objects.create(client=owner, name=name, code=code, hourly_rate=hourly_rate, billable=billable)

    return make


@pytest.fixture
def acme(make_project):
    """Acme Corp's billable "Acme website" (ACME) at 95.50 an hour."""
    return make_project(code="ACME", name="Acme website", client="Acme Corp", hourly_rate=Decimal("95.50"))


@pytest.fixture
def acme_dev(acme):
    """The "Development" task of `acme`."""
    from timeentries.models import Task

    return Task.objects.create(project=acme, name="Development")


@pytest.fixture
def internal(make_project):
    """The non-billable "Internal" project (INT), without a client."""
    return make_project(code="INT", name="Internal", billable=False)


# --- reference data: the leave types the data migration seeds ----------------------------------


@pytest.fixture
def vacation(db):
    from leave.models import LeaveType

    return LeaveType.objects.get(code="vacation")


@pytest.fixture
def sick(db):
    from leave.models import LeaveType

    return LeaveType.objects.get(code="sick")


@pytest.fixture
def unpaid(db):
    from leave.models import LeaveType

    return LeaveType.objects.get(code="unpaid")


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """Exports and other files go to this test's own folder (`usefixtures("media_in_tmp")`)."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def fake_es(settings):
    """A fake Elasticsearch (a real HTTP server, see search/tests/conftest.py) the settings point at."""
    from search.tests.conftest import fake_elasticsearch

    with fake_elasticsearch(settings) as fake:
        yield fake


@pytest.fixture
def worker_process(settings):
    """A real `celery worker` process on the test database and its own queue, with tasks sent
    through Redis (core/tests/processes.py). Yields {"queue", "log"}."""
    from config.celery import app
    from core.tests.processes import celery_worker_process

    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_worker_process(redis_url=settings.REDIS_URL, app=app) as worker:
        yield worker


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def api():
    """`api(user)` is an API client that sends a real JWT access token for `user`."""

    def client_for(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return client_for


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser).

    Skipped when Chromium or Playwright is missing, unless REQUIRE_BROWSER_TESTS is set
    (as .ci/run does), where a missing browser is a failure.
    """
    import os

    required = bool(os.environ.get("REQUIRE_BROWSER_TESTS"))
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("Playwright is not installed")
    if not os.path.exists(CHROMIUM):
        if required:
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"browser tests skipped: {CHROMIUM} not found (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    # A fixed locale: number inputs and validation messages must not follow the machine's LANG.
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


REFERENCE_DATA_MIGRATIONS = {
    "leave.migrations.0002_seed_leave_types": "seed",
    "compliance.migrations.0002_default_policy": "create_default",
    "leave.migrations.0005_working_time_account": "comp_time_off_the_expected_hours",
    "leave.migrations.0006_sick_credit_and_interrupting_types": "sick_interrupts_leave",
    "leave.migrations.0008_statutory_leave_part": "statutory_parts_and_this_years_entitlement",
}
MANAGER_PERMISSION_MIGRATIONS = [
    "users.migrations.0002_managers_group",
    "timeentries.migrations.0003_managers_permissions",
    "leave.migrations.0003_managers_permissions",
    "leave.migrations.0005_working_time_account",
    "leave.migrations.0009_forfeiture_notice",
    "compliance.migrations.0003_managers_permissions",
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests (threads, live server) empty every table afterwards, which also
    removes the rows data migrations created: the leave types, the default policy and the
    Managers group. Put them back, with the migrations' own data, before such a test."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    for module, function in REFERENCE_DATA_MIGRATIONS.items():
        getattr(import_module(module), function)(apps, None)
    group, _ = Group.objects.get_or_create(name="Managers")
    for module in MANAGER_PERMISSION_MIGRATIONS:
        for app_label, codename in import_module(module).MANAGER_PERMISSIONS:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


@pytest.fixture(autouse=True)
def _not_inside_a_celery_worker():
    """Celery keeps a process-wide "inside a worker" flag (result.get() refuses to wait when
    it is set). An in-process test worker's thread sets it when its pool starts, which can
    happen after `start_worker` cleared it, and the flag would then leak into whichever test
    runs next in this pytest process: every test starts outside a worker."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _celery_as_the_settings_say():
    """Tests with a real worker point the Celery app at a broker and turn eager mode off,
    and put both back afterwards. Should one not (a fixture torn down half-way), every later
    test in this process would queue its tasks on a broker no worker reads, and a test that
    waits for one (`import_data` follows its import) would wait until its timeout: every test
    starts with the app as the settings configure it."""
    from django.conf import settings

    from config.celery import app

    wanted = (settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL)
    if (app.conf.task_always_eager, app.conf.broker_url) != wanted:
        app.conf.task_always_eager, app.conf.broker_url = wanted
        app._pool, app.amqp._producer_pool = None, None  # the pools belong to one broker URL
