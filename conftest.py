"""Personas shared by every app's tests, so tests read like stories:

alice (employee, team A), bob (manages team A), carol (admin),
dave (employee, team B), erin (manages team B).
"""

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from users.models import User
from users.tests.factories import PASSWORD, TeamFactory, UserFactory

requires_postgres = pytest.mark.skipif(
    not settings.DATABASE_IS_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL); SQLite cannot prove this"
)
requires_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real Redis (set REDIS_URL)")


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
def dave(team_b, erin):
    return UserFactory(email="dave@example.com", first_name="Dave", team=team_b)


@pytest.fixture
def carol(db):
    return UserFactory(email="carol@example.com", first_name="Carol", role=User.Role.ADMIN)


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
}
MANAGER_PERMISSION_MIGRATIONS = [
    "users.migrations.0002_managers_group",
    "timeentries.migrations.0003_managers_permissions",
    "leave.migrations.0003_managers_permissions",
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
