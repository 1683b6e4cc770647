"""Root, health, OpenAPI/Swagger, error shape, pagination and trailing slashes."""

import re
import time
from io import StringIO

import pytest
from django.core.management import call_command

from conftest import requires_redis
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_root_describes_the_service(anon, settings):
    body = anon.get("/").json()
    assert body["status"] == "ok"
    assert body["project"] == settings.PROJECT_NAME
    assert body["api_version"] == "v1"
    assert body["links"]["docs"].endswith("/api/v1/docs")
    assert body["links"]["health"].endswith("/health")


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    "accept",
    [None, "application/json", "*/*", "application/json, text/plain, */*", "text/html;q=0, application/json"],
    ids=["no-accept", "json", "any", "axios", "html-refused"],
)
def test_root_answers_api_clients_with_json(anon, accept):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    response = anon.get("/", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert "Accept" in response["Vary"]


def test_root_sends_a_browser_to_the_login_page(client):
    response = client.get("/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "Accept" in response["Vary"]


def test_root_sends_a_signed_in_browser_to_the_timesheet(client, alice):
    client.force_login(alice)
    response = client.get("/", HTTP_ACCEPT="text/html")
    assert response.status_code == 302
    assert response["Location"] == "/timesheet/"
    assert "Accept" in response["Vary"]
    # The same signed-in session asking for JSON still gets the service description.
    assert client.get("/", HTTP_ACCEPT="application/json").json()["api_version"] == "v1"


def test_health_is_ok_with_the_database_up(anon, settings):
    response = anon.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["redis"] == ("ok" if settings.REDIS_URL else "disabled")
    assert body["elasticsearch"] == "disabled"


def test_health_reports_a_down_redis_within_two_seconds(anon, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.ELASTICSEARCH_ENABLED, settings.ELASTICSEARCH_URL = True, "http://127.0.0.1:1"
    started = time.monotonic()
    response = anon.get("/health/")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["redis"].startswith("error: ")
    assert body["elasticsearch"].startswith("error: ")
    assert body["database"] == "ok"


@requires_redis
def test_health_sees_the_real_redis(anon):
    assert anon.get("/health").json()["redis"] == "ok"


def test_openapi_schema_validates_without_warnings():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out, stderr=out)


def test_openapi_json_is_served(anon):
    response = anon.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/users/me", "/api/v1/users/{id}", "/api/v1/teams"):
        assert path in schema["paths"]


def test_swagger_ui_loads_without_any_external_url(anon):
    page = anon.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page should load its assets"
    assert not [url for url in urls if url.startswith(("http:", "https:", "//"))]
    assert "<script>" not in html.replace(" ", "")  # no inline script: the CSP forbids it
    for url in urls:
        assert anon.get(url).status_code == 200, url


def test_malformed_json_is_400_in_the_error_shape(anon):
    response = anon.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_validation_errors_name_the_field(anon):
    response = anon.post("/api/v1/auth/token", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"email", "password"}
    assert body["detail"].startswith("email:")


def test_unknown_api_path_is_a_json_404(api, alice):
    response = api(alice).get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_unauthenticated_api_is_401(anon):
    response = anon.get("/api/v1/users")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/users/", "/api/v1/users/me", "/api/v1/users/me/"])
def test_trailing_slash_is_optional_never_a_redirect(api, carol, path):
    assert api(carol).get(path).status_code == 200


def test_page_size_is_clamped_and_bad_pages_are_4xx(api, carol):
    UserFactory.create_batch(205)
    client = api(carol)
    huge = client.get("/api/v1/users", {"page_size": 100000})
    assert huge.status_code == 200
    assert len(huge.json()["results"]) == 200 and huge.json()["count"] == 206
    assert len(client.get("/api/v1/users", {"page_size": "lots"}).json()["results"]) == 50
    assert client.get("/api/v1/users", {"page": "abc"}).status_code == 404
    assert client.get("/api/v1/users", {"page": 99}).status_code == 404
    assert client.get("/api/v1/users/not-a-number").status_code == 404
    assert client.get("/api/v1/users", {"team": "garbage"}).status_code == 400


def test_session_cookie_auth_requires_csrf(alice, password):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    assert client.login(email=alice.email, password=password)
    assert client.get("/api/v1/users/me").status_code == 200
    assert client.patch("/api/v1/users/me", {"first_name": "X"}, format="json").status_code == 403


def test_setup_schedules_is_idempotent():
    from django_celery_beat.models import PeriodicTask

    call_command("setup_schedules", stdout=StringIO())
    call_command("setup_schedules", stdout=StringIO())
    task = PeriodicTask.objects.get(task="core.tasks.audit_purge_expired_task")
    assert task.enabled and task.crontab.hour == "3"
    assert PeriodicTask.objects.filter(task="core.tasks.audit_purge_expired_task").count() == 1


def test_seed_demo_is_idempotent_and_prints_logins():
    from users.models import Team, User

    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = (User.objects.count(), Team.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (User.objects.count(), Team.objects.count()) == counts == (9, 2)
    assert User.objects.filter(role="manager").count() == 2
    assert User.objects.filter(role="employee").count() == 6
    assert "admin@example.com" in out.getvalue()
    assert User.objects.get(email="alice@example.com").check_password("demo-pass-2026")


def test_nul_bytes_in_queries_or_bodies_are_400_not_500(api, carol):
    client = api(carol)
    assert client.get("/api/v1/users", {"search": "a\x00b"}).status_code == 400
    assert client.get("/api/v1/time-entries?description=%00").status_code == 400
    response = client.post("/api/v1/teams", {"name": "Bad\x00Name"}, format="json")
    assert response.status_code == 400
