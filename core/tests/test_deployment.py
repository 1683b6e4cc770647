"""The deployment files agree with each other and with config/settings.py.

No database and no Docker needed: docker-compose.yml is parsed with yaml.safe_load (which
resolves the x-app-env anchor), the Dockerfile and .env.example are read as text.
"""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS_FILE = ROOT / "config" / "settings.py"

APP_SERVICES = ("web", "worker", "beat")
# One Celery worker service per group of queues (CELERY_TASK_ROUTES); "worker" serves the default queue.
WORKER_SERVICES = ("worker", "worker-exports", "worker-indexing", "worker-messages")
ALL_SERVICES = ("postgres", "redis", "elasticsearch", *APP_SERVICES, *WORKER_SERVICES[1:])
REQUIRED_APP_ENV = (
    "DJANGO_ENV",
    "SECRET_KEY",
    "POSTGRES_SERVER",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "REDIS_HOST",
    "REDIS_PORT",
    "ELASTICSEARCH_HOST",
    "ELASTICSEARCH_PORT",
    "ALLOWED_HOSTS",
)
REQUIRED_ENV_EXAMPLE = (
    "PROJECT_NAME",
    "BACKEND_CORS_ORIGINS",
    "SECRET_KEY",
    "ALGORITHM",
    "ACCESS_TOKEN_EXPIRE_MINUTES",
    "REFRESH_TOKEN_EXPIRE_DAYS",
    "POSTGRES_SERVER",
    "POSTGRES_PORT",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_PASSWORD",
    "ELASTICSEARCH_HOST",
    "ELASTICSEARCH_PORT",
    "WORKING_TIME_MAX_WEEKLY_HOURS",
    "WORKING_TIME_MIN_DAILY_REST",
    "AUDIT_RETENTION",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_ENV",
    "ALLOWED_HOSTS",
    "ALLOW_REGISTRATION",
)
# Server addresses stay commented out in .env.example, so a copied .env runs on SQLite alone.
SERVER_VARIABLES = ("DATABASE_URL", "POSTGRES_SERVER", "REDIS_URL", "REDIS_HOST", "ELASTICSEARCH_HOST")
NAMED_VOLUMES = {"postgres": "postgres_data", "redis": "redis_data", "elasticsearch": "es_data"}

SETTINGS_ENV_CALL = re.compile(r"""env\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']""")
ENV_ASSIGNMENT = re.compile(r"^(#\s*)?(?:export\s+)?([A-Z][A-Z0-9_]*)=(.*)$")


@pytest.fixture(scope="module")
def compose():
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose):
    assert isinstance(compose.get("services"), dict), "docker-compose.yml has no services"
    return compose["services"]


def as_mapping(value) -> dict:
    """Compose accepts `environment` (and similar) as a mapping or a list of KEY=VALUE."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    mapping = {}
    for item in value:
        key, _, val = str(item).partition("=")
        mapping[key] = val
    return mapping


def command_text(service: dict) -> str:
    command = service.get("command")
    assert command, "service has no command"
    return command if isinstance(command, str) else " ".join(str(part) for part in command)


def healthcheck_text(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(str(part) for part in test)


def settings_variable_names() -> set[str]:
    return set(SETTINGS_ENV_CALL.findall(SETTINGS_FILE.read_text()))


def env_example_lines() -> list[str]:
    return ENV_EXAMPLE.read_text().splitlines()


def env_example_assignments() -> dict[str, tuple[bool, str]]:
    """name -> (active, value); commented-out assignments (`# NAME=...`) count as documented."""
    found = {}
    for line in env_example_lines():
        match = ENV_ASSIGNMENT.match(line.strip())
        if match:
            commented, name, value = match.groups()
            active = commented is None
            if name not in found or active:
                found[name] = (active, value)
    return found


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with backslash continuations joined and comments dropped."""
    instructions, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, args = current.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
        current = ""
    return instructions


# --- docker-compose.yml ----------------------------------------------------------------------


def test_compose_uses_the_compose_spec_without_a_version_key(compose):
    assert "version" not in compose


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_service_exists(services, name):
    assert name in services, f"service {name!r} missing from docker-compose.yml"


@pytest.mark.parametrize(
    ("name", "probe"),
    [
        ("postgres", "pg_isready"),
        ("redis", "redis-cli ping"),
        ("elasticsearch", "_cluster/health"),
        ("web", "/health"),
    ],
)
def test_service_has_a_real_healthcheck(services, name, probe):
    healthcheck = services[name].get("healthcheck")
    assert isinstance(healthcheck, dict), f"{name} has no healthcheck"
    assert not healthcheck.get("disable"), f"{name} healthcheck is disabled"
    assert probe in healthcheck_text(services[name])


@pytest.mark.parametrize("name", [*WORKER_SERVICES, "beat"])
def test_celery_services_do_not_inherit_the_images_http_healthcheck(services, name):
    # The Dockerfile's HEALTHCHECK probes :8000, where only web listens.
    healthcheck = services[name].get("healthcheck")
    assert isinstance(healthcheck, dict), f"{name} would inherit the image's /health probe and turn unhealthy"
    assert healthcheck.get("disable") is True or "/health" not in healthcheck_text(services[name])


def test_every_service_restarts_unless_stopped(services):
    for name in ALL_SERVICES:
        assert services[name].get("restart") == "unless-stopped", name


@pytest.mark.parametrize(("service", "volume"), sorted(NAMED_VOLUMES.items()))
def test_named_volume_is_declared_and_mounted(compose, services, service, volume):
    assert volume in (compose.get("volumes") or {}), f"volume {volume!r} not declared"
    sources = [
        (mount.get("source") if isinstance(mount, dict) else str(mount).split(":", 1)[0])
        for mount in services[service].get("volumes", [])
    ]
    assert volume in sources, f"{service} does not mount {volume!r}"


def test_every_named_volume_a_service_mounts_is_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source = mount.get("source") if isinstance(mount, dict) else str(mount).split(":", 1)[0]
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts undeclared volume {source!r}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_environment_has_every_required_name(services, name):
    env = as_mapping(services[name].get("environment"))
    missing = [key for key in REQUIRED_APP_ENV if key not in env]
    assert not missing, f"{name} environment lacks {missing}"


def test_app_services_share_one_environment(services):
    web, worker, beat = (as_mapping(services[name].get("environment")) for name in APP_SERVICES)
    assert web == worker == beat


def test_app_environment_points_at_the_compose_services(services):
    env = as_mapping(services["web"].get("environment"))
    assert env["DJANGO_ENV"] == "production"
    # PostgreSQL itself unless APP_DATABASE_HOST names the pgbouncer service.
    assert env["POSTGRES_SERVER"] == "${APP_DATABASE_HOST:-postgres}"
    assert str(env["POSTGRES_PORT"]) == "5432"
    assert env["REDIS_HOST"] == "redis"
    assert str(env["REDIS_PORT"]) == "6379"
    assert env["ELASTICSEARCH_HOST"] == "elasticsearch"
    assert str(env["ELASTICSEARCH_PORT"]) == "9200"
    # Compose must refuse to start without a real secret instead of falling back to a default.
    assert str(env["SECRET_KEY"]).startswith("${SECRET_KEY:?")
    # The container's own /health probe sends Host: 127.0.0.1.
    assert "127.0.0.1" in str(env["ALLOWED_HOSTS"])


def test_app_environment_names_are_all_read_by_settings(services):
    # A typo in compose would silently leave a setting at its default.
    env = as_mapping(services["web"].get("environment"))
    unknown = set(env) - settings_variable_names() - {"WEB_CONCURRENCY"}
    assert not unknown, f"compose sets variables config/settings.py never reads: {sorted(unknown)}"


def test_web_command_runs_gunicorn(services):
    # Migrations run once, in the migrate service (core/tests/hardening/test_deploy.py).
    command = command_text(services["web"])
    assert "gunicorn" in command
    assert "config.wsgi:application" in command


def test_worker_command_runs_a_celery_worker(services):
    command = command_text(services["worker"])
    assert "celery" in command
    assert re.search(r"\bworker\b", command)
    assert "-A config" in command


def _served_queues(service: dict) -> list[str]:
    match = re.search(r"(?:-Q|--queues)[ =](\S+)", command_text(service))
    assert match, "a worker service names the queues it serves (-Q)"
    return match.group(1).split(",")


def test_every_queue_is_served_by_exactly_one_worker_service(services):
    served = [queue for name in WORKER_SERVICES for queue in _served_queues(services[name])]
    assert sorted(served) == sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)
    assert _served_queues(services["worker"]) == [settings.CELERY_TASK_DEFAULT_QUEUE]
    assert _served_queues(services["worker-exports"]) == ["exports"]


@pytest.mark.parametrize("name", WORKER_SERVICES)
def test_each_worker_service_runs_celery_with_its_own_concurrency(services, name):
    command = command_text(services[name])
    assert re.search(r"\bcelery -A config worker\b", command)
    assert re.search(r"--concurrency[ =]\d+", command)
    assert as_mapping(services[name]["environment"]) == as_mapping(services["web"]["environment"])
    assert "media:/app/media" in services[name].get("volumes", []), "exports and imports need the media volume"
    assert services[name]["stop_grace_period"] == services["worker"]["stop_grace_period"]
    assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_exports_run_one_at_a_time_and_mail_many_at_once(services):
    concurrency = {
        name: int(re.search(r"--concurrency[ =](\d+)", command_text(services[name])).group(1))
        for name in WORKER_SERVICES
    }
    assert concurrency["worker-exports"] == 1
    assert concurrency["worker-messages"] > concurrency["worker-exports"]


def test_pgbouncer_is_off_by_default_and_pools_transactions(services):
    pgbouncer = services["pgbouncer"]
    assert pgbouncer["profiles"] == ["pgbouncer"], "compose starts it only with --profile pgbouncer"
    env = as_mapping(pgbouncer["environment"])
    assert env["POOL_MODE"] == "transaction" and env["DB_HOST"] == "postgres"
    assert pgbouncer["depends_on"]["postgres"]["condition"] == "service_healthy"
    # The app waits for it when the profile is on and ignores it when it is off.
    for name in ("migrate", *APP_SERVICES, *WORKER_SERVICES):
        assert services[name]["depends_on"]["pgbouncer"] == {"condition": "service_started", "required": False}
    assert as_mapping(services["web"]["environment"])["DATABASE_POOL_MODE"] == "${DATABASE_POOL_MODE:-session}"


def test_beat_command_uses_the_database_scheduler(services):
    command = command_text(services["beat"])
    assert "celery" in command
    assert re.search(r"\bbeat\b", command)
    assert re.search(r"(--scheduler[ =]|-S )django_celery_beat\.schedulers:DatabaseScheduler", command)


def test_elasticsearch_is_single_node_with_security_set_explicitly(services):
    env = as_mapping(services["elasticsearch"].get("environment"))
    assert env.get("discovery.type") == "single-node"
    assert "xpack.security.enabled" in env, "xpack.security.enabled must be stated, not left to the image default"
    assert str(env["xpack.security.enabled"]).lower() in {"true", "false"}
    assert "-Xmx512m" in str(env.get("ES_JAVA_OPTS", ""))
    assert str(services["elasticsearch"]["image"]).startswith("docker.elastic.co/elasticsearch/elasticsearch:9.")


def test_elasticsearch_is_not_published_while_security_is_off(services):
    env = as_mapping(services["elasticsearch"].get("environment"))
    if str(env.get("xpack.security.enabled")).lower() == "false":
        assert not services["elasticsearch"].get("ports"), "unauthenticated Elasticsearch must stay internal"


def test_web_waits_for_healthy_postgres_and_redis(services):
    depends_on = services["web"].get("depends_on")
    assert isinstance(depends_on, dict), "web depends_on must be a mapping with conditions"
    for dependency in ("postgres", "redis"):
        assert depends_on.get(dependency, {}).get("condition") == "service_healthy", dependency
    assert "elasticsearch" in depends_on


def test_web_publishes_port_8000(services):
    assert any(str(port).endswith("8000:8000") for port in services["web"].get("ports", []))


# --- Dockerfile --------------------------------------------------------------------------------


def test_dockerfile_builds_on_python_312_slim():
    bases = [args.split()[0] for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    assert bases, "Dockerfile has no FROM"
    assert all(base == "python:3.12-slim" for base in bases), bases


def test_dockerfile_runs_as_a_non_root_user():
    users = [args.split()[0] for keyword, args in dockerfile_instructions() if keyword == "USER"]
    assert users, "Dockerfile never switches USER"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_serves_gunicorn_on_8000_with_a_healthcheck():
    instructions = dockerfile_instructions()
    cmd = [args for keyword, args in instructions if keyword == "CMD"]
    assert cmd, "Dockerfile has no CMD"
    assert "gunicorn" in cmd[-1]
    assert "config.wsgi:application" in cmd[-1]
    assert any(keyword == "EXPOSE" and "8000" in args.split() for keyword, args in instructions)
    healthchecks = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert healthchecks, "Dockerfile has no HEALTHCHECK"
    assert "http://127.0.0.1:8000/health" in healthchecks[-1]


def test_dockerfile_installs_requirements_and_collects_static():
    runs = " ".join(args for keyword, args in dockerfile_instructions() if keyword == "RUN")
    assert re.search(r"pip install --no-cache-dir -r \S*requirements\.txt", runs)
    assert "collectstatic --noinput" in runs


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {line.strip().strip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for entry in (".venv", ".git", ".env", "db.sqlite3", "staticfiles"):
        assert entry in ignored, entry


# --- .env.example ------------------------------------------------------------------------------


def test_settings_regex_finds_the_variables():
    # Guards the next test against a regex that silently matches nothing.
    names = settings_variable_names()
    assert {"SECRET_KEY", "DJANGO_ENV", "POSTGRES_SERVER", "REDIS_URL", "AUDIT_RETENTION"} <= names


def test_env_example_documents_every_variable_settings_reads():
    missing = settings_variable_names() - set(env_example_assignments())
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_lists_the_required_names():
    missing = [name for name in REQUIRED_ENV_EXAMPLE if name not in env_example_assignments()]
    assert not missing, f".env.example lacks {missing}"


def test_every_env_example_variable_has_a_comment_line_above():
    lines = env_example_lines()
    for index, line in enumerate(lines):
        if ENV_ASSIGNMENT.match(line.strip()):
            above = lines[index - 1].strip() if index else ""
            assert above.startswith("#"), f"no comment above {line!r}"
            assert not ENV_ASSIGNMENT.match(above), f"the line above {line!r} is another variable, not its comment"


def test_env_example_leaves_servers_commented_out_for_sqlite():
    assignments = env_example_assignments()
    for name in SERVER_VARIABLES:
        active, value = assignments[name]
        assert not (active and value.strip()), f"{name} is active in .env.example; a copied .env would need a server"
    active, value = assignments["DJANGO_ENV"]
    assert not active or value.strip().strip("\"'") == "development"
