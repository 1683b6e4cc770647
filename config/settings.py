"""Settings for Time Tracker, read from the environment (django-environ).

Every name documented in `.env.example` is read here and nowhere else. With nothing set
the project runs without any server: SQLite, local-memory cache, Celery eager and
Elasticsearch off.
"""

import json
from datetime import date, timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

PROJECT_NAME = env.str("PROJECT_NAME", default="Time Tracker")
API_VERSION = "v1"

# --- Secrets -----------------------------------------------------------------------------
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-change-me"
SECRET_KEY = env.str("SECRET_KEY", default="")
if PRODUCTION and (not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or is the development default. Production refuses to start "
        "without a real secret: set SECRET_KEY to at least 50 random characters."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY

DEBUG = env.bool("DEBUG", default=not PRODUCTION) and not PRODUCTION
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
ALLOW_REGISTRATION = env.bool("ALLOW_REGISTRATION", default=True)

# --- Applications ------------------------------------------------------------------------
INSTALLED_APPS = [
    "users.apps.TimeTrackerAdminConfig",  # django.contrib.admin with a rate-limited login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    "auditlog",
    "django_celery_beat",
    "django_elasticsearch_dsl",
    "core",
    "users",
    "timeentries",
    "leave",
    "compliance",
    "analytics",
    "search",
    "imports",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.OutageMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserTimezoneMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.audit.AuditActorMiddleware",
    "core.replicas.NoteWritesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "users.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/timesheet/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.project",
                "analytics.context_processors.approvals",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------
# DATABASE_URL wins; else POSTGRES_SERVER builds a PostgreSQL URL; else SQLite.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
elif env.str("POSTGRES_SERVER", default=""):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": env.str("POSTGRES_SERVER"),
            "PORT": env.int("POSTGRES_PORT", default=5432),
            "USER": env.str("POSTGRES_USER", default="postgres"),
            "PASSWORD": env.str("POSTGRES_PASSWORD", default=""),
            "NAME": env.str("POSTGRES_DB", default="timetracker"),
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}

DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if DATABASE_IS_POSTGRES:
    # A down database must answer /health quickly rather than hang a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Connection pooling (PgBouncer) ------------------------------------------------------
# DATABASE_POOL_MODE=transaction when the database address is a pooler in transaction mode
# (PgBouncer's pool_mode=transaction: scripts/pgbouncer-up.sh, compose's pgbouncer profile).
# A server session then belongs to us for one transaction only, so nothing may outlive one:
# no server-side cursors (Django's WITH HOLD cursors outside a transaction), no prepared
# statements (PgBouncer 1.18 cannot route them), and the app's own code keeps no session
# state (transaction advisory locks, temp tables ON COMMIT DROP). Django's persistent
# connections (CONN_MAX_AGE) stay: they are connections to the pooler, which is cheap to hold.
DATABASE_POOL_MODE = env.str("DATABASE_POOL_MODE", default="session")
if DATABASE_POOL_MODE not in {"session", "transaction"}:
    raise ImproperlyConfigured("DATABASE_POOL_MODE must be 'session' (direct or session pooling) or 'transaction'.")
DATABASE_TRANSACTION_POOLING = DATABASE_IS_POSTGRES and DATABASE_POOL_MODE == "transaction"
if DATABASE_TRANSACTION_POOLING:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
# --- Read replicas -----------------------------------------------------------------------
# Streaming replicas of the primary, as URLs separated by commas: replica_0, replica_1, … with
# the primary's connection options. Reports, exports, dashboard widgets, the search's database
# fallback and the audit list read from a replica (core.replicas, core.db_router); all else
# uses the primary. In tests a replica alias mirrors the test database (nothing is created on it).
DATABASE_REPLICAS = []
for _index, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
    _replica = env.db_url_config(_url)
    if not DATABASE_IS_POSTGRES or _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS lists PostgreSQL replicas of a PostgreSQL DATABASE_URL.")
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    _replica["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    _replica["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_HEALTH_CHECKS"]
    # A replica reached through the same kind of pooler keeps the primary's pooling rules.
    _replica["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_index}"] = _replica
    DATABASE_REPLICAS.append(f"replica_{_index}")
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
# Someone who wrote reads the primary for this long afterwards (read your own writes).
REPLICA_READ_YOUR_WRITES_SECONDS = env.float("REPLICA_READ_YOUR_WRITES_SECONDS", default=5)
# A replica further behind the primary than this is skipped; lag and reachability are
# measured at most every REPLICA_CHECK_SECONDS per process.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=10)
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=3)

# --- Redis: cache, rate limits, Celery broker ---------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL and env.str("REDIS_HOST", default=""):
    _redis_password = env.str("REDIS_PASSWORD", default="")
    _redis_auth = f":{_redis_password}@" if _redis_password else ""
    REDIS_URL = f"redis://{_redis_auth}{env.str('REDIS_HOST')}:{env.int('REDIS_PORT', default=6379)}/0"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="tt"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from Redis, with the database behind them (core/sessions.py: an ended session
# never comes back from the cache). Redis is shared by every web process, a local-memory cache
# would not be: without Redis they stay in the database alone.
SESSION_ENGINE = "core.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
# After a Redis failure, go without it (see core/cache.py) for this long before trying again.
REDIS_CIRCUIT_SECONDS = env.float("REDIS_CIRCUIT_SECONDS", default=5)

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# No task runs longer than the hard time limit, so one still unacknowledged (or an export
# still "running") a minute after it died with its worker: Redis hands the message out again
# after this long (its default is an hour), and the export reaper fails or re-queues the
# export. Workers need a stop grace period of at least CELERY_TASK_TIME_LIMIT.
TASK_STALE_AFTER = CELERY_TASK_TIME_LIMIT + 60  # seconds
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": TASK_STALE_AFTER}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Work queues: each group of tasks waits in a queue of its own, served by workers of its own
# (docker-compose.yml: one worker service per group, each with its concurrency), so a long
# export or reindex never holds up a mail or a webhook. A worker started without -Q serves
# every queue (development). Keyed by task name; any task not listed goes to "celery".
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_QUEUE_TASKS = {
    "exports": ["analytics.tasks.export_run"],
    "search": [
        "search.tasks.search_index_object",
        "search.tasks.search_index_many",
        "search.tasks.search_delete_older_than",
        "search.tasks.search_reindex",
        "search.tasks.search_reconcile_task",
    ],
    "compliance": [
        "compliance.tasks.compliance_scan_task",
        "compliance.tasks.compliance_rejudge_averages_task",
        "imports.tasks.import_judge",
    ],
    "notifications": [
        "leave.tasks.notify_leave_requested",
        "leave.tasks.notify_leave_decided",
        "leave.tasks.notify_forfeiture_notice",
        "webhooks.tasks.webhook_disabled_notify",
    ],
    "webhooks": ["webhooks.tasks.webhook_deliver_task", "webhooks.tasks.webhook_deliveries_due_task"],
}
CELERY_TASK_ROUTES = {task: {"queue": queue} for queue, tasks in CELERY_QUEUE_TASKS.items() for task in tasks}
# A direct exchange per queue, named after it (what Celery declares for a queue it creates).
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in (CELERY_TASK_DEFAULT_QUEUE, *CELERY_QUEUE_TASKS)
]
CELERY_TIMEZONE = "UTC"

# --- Elasticsearch -----------------------------------------------------------------------
ELASTICSEARCH_HOST = env.str("ELASTICSEARCH_HOST", default="")
ELASTICSEARCH_PORT = env.int("ELASTICSEARCH_PORT", default=9200)
ELASTICSEARCH_INDEX_PREFIX = env.str("ELASTICSEARCH_INDEX_PREFIX", default="timetracker")
ELASTICSEARCH_ENABLED = bool(ELASTICSEARCH_HOST)
ELASTICSEARCH_URL = (
    (ELASTICSEARCH_HOST if "://" in ELASTICSEARCH_HOST else f"http://{ELASTICSEARCH_HOST}:{ELASTICSEARCH_PORT}")
    if ELASTICSEARCH_ENABLED
    else ""
)
ELASTICSEARCH_DSL = {"default": {"hosts": ELASTICSEARCH_URL or "http://localhost:9200", "request_timeout": 2}}
ELASTICSEARCH_DSL_AUTOSYNC = False  # indexing goes through Celery tasks, never inline
ELASTICSEARCH_DSL_AUTO_REFRESH = False
# After a failed or timed-out search, answer from the database for this long before trying again.
ELASTICSEARCH_CIRCUIT_SECONDS = env.float("ELASTICSEARCH_CIRCUIT_SECONDS", default=30)

# --- Domain settings ---------------------------------------------------------------------
WORKING_TIME_MAX_WEEKLY_HOURS = env.float("WORKING_TIME_MAX_WEEKLY_HOURS", default=48)
WORKING_TIME_MIN_DAILY_REST = env.float("WORKING_TIME_MIN_DAILY_REST", default=11)
# How far below zero time off in lieu may take a working-time account, in hours (0: not below
# zero; -16 allows two days in the red). Leave types with allow_negative are not checked.
WORKING_TIME_ACCOUNT_MIN_BALANCE = env.float("WORKING_TIME_ACCOUNT_MIN_BALANCE", default=0)
# The daily compliance scan (celery beat, UTC): at this hour, judging the last this many days.
COMPLIANCE_SCAN_HOUR = env.int("COMPLIANCE_SCAN_HOUR", default=2)
COMPLIANCE_SCAN_DAYS = env.int("COMPLIANCE_SCAN_DAYS", default=14)
# Day of the month (1-28) on which a beat job closes the previous month for the whole company
# (00:45 UTC); unset: months are closed by hand only.
MONTH_CLOSE_DAY = env.int("MONTH_CLOSE_DAY", default=None)
if MONTH_CLOSE_DAY is not None and not 1 <= MONTH_CLOSE_DAY <= 28:
    raise ImproperlyConfigured("MONTH_CLOSE_DAY must be a day from 1 to 28 (or unset).")
# From this day of the year ("MM-DD") a daily job tells each person how much leave of the year
# is left and when it lapses (one notice per person and year); without a notice nothing lapses.
LEAVE_NOTICE_DATE = env.str("LEAVE_NOTICE_DATE", default="10-01")
try:
    LEAVE_NOTICE_MONTH, LEAVE_NOTICE_DAY = (int(part) for part in LEAVE_NOTICE_DATE.split("-"))
    date(2025, LEAVE_NOTICE_MONTH, LEAVE_NOTICE_DAY)
except ValueError as error:
    raise ImproperlyConfigured('LEAVE_NOTICE_DATE must be a day of every year as "MM-DD", e.g. "10-01".') from error
AUDIT_RETENTION = env.int("AUDIT_RETENTION", default=180)  # days
AUDIT_PURGE_BATCH_SIZE = env.int("AUDIT_PURGE_BATCH_SIZE", default=10_000)  # rows per purge transaction
# Work days of the full-time week `LeaveType.annual_allowance` is given for; a contract with
# fewer (or more) work days earns the allowance in proportion (BUrlG §3, TzBfG §4).
FULL_TIME_WORK_DAYS = env.int("FULL_TIME_WORK_DAYS", default=5)
# A csv/xlsx report with more rows than this answers 413: ask for it with POST /api/v1/exports.
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=50_000)
# An import file larger than this (bytes) is refused with 413.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# The uploaded file of a finished import (done, invalid, failed, reverted) is deleted this many
# days after the upload; the import and its file hash stay (the same file still imports once).
IMPORT_FILE_RETENTION_DAYS = env.int("IMPORT_FILE_RETENTION_DAYS", default=30)
# Webhooks: requests to private, loopback, link-local or reserved addresses are refused
# unless this is set (tests and an internal receiver); production sends over https only.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_HTTPS_ONLY = PRODUCTION
# A webhook whose every delivery failed for longer than this many days is switched off.
WEBHOOK_DISABLE_AFTER_DAYS = env.int("WEBHOOK_DISABLE_AFTER_DAYS", default=3)
# Uploaded and generated files (report exports); served only through the API, never as static files.
MEDIA_ROOT = BASE_DIR / "media"

# --- Auth --------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

JWT_ALGORITHM = env.str("ALGORITHM", default="HS256")
if JWT_ALGORITHM not in {"HS256", "HS384", "HS512"}:
    raise ImproperlyConfigured("ALGORITHM must be one of HS256, HS384, HS512 (tokens are signed with SECRET_KEY)")
ACCESS_TOKEN_EXPIRE_MINUTES = env.int("ACCESS_TOKEN_EXPIRE_MINUTES", default=30)
REFRESH_TOKEN_EXPIRE_DAYS = env.int("REFRESH_TOKEN_EXPIRE_DAYS", default=7)
SIMPLE_JWT = {
    "ALGORITHM": JWT_ALGORITHM,
    "SIGNING_KEY": SECRET_KEY,
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=REFRESH_TOKEN_EXPIRE_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# --- Single sign-on (OpenID Connect) ---------------------------------------------------
# Nothing of it is active while OIDC_ISSUER is empty: no button, /api/v1/auth/oidc answers 400 sso_disabled.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_ENABLED = bool(OIDC_ISSUER)
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="single sign-on")
# ID tokens /api/v1/auth/oidc accepts: those issued to our client, or to these (mobile apps).
OIDC_AUDIENCES = [OIDC_CLIENT_ID, *env.list("OIDC_EXTRA_AUDIENCES", default=[])]
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="")
OIDC_ROLE_MAP = env.dict("OIDC_ROLE_MAP", default={})
OIDC_TEAM_CLAIM = env.str("OIDC_TEAM_CLAIM", default="")
OIDC_TEAM_MAP = env.dict("OIDC_TEAM_MAP", default={})
OIDC_ONLY = env.bool("OIDC_ONLY", default=False)
OIDC_BREAK_GLASS_EMAILS = [email.lower() for email in env.list("OIDC_BREAK_GLASS_EMAILS", default=[])]
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10)
# The flow's state lives in the session, so the session cookie must stay SameSite=Lax (Django's
# default): the provider's redirect back to /accounts/oidc/callback/ has to carry it.
if OIDC_ENABLED and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are required too.")
if OIDC_ONLY and not OIDC_ENABLED:
    raise ImproperlyConfigured("OIDC_ONLY=true needs OIDC_ISSUER (else nobody but break-glass admins could sign in).")
if set(OIDC_ROLE_MAP.values()) - {"employee", "manager", "admin"}:
    raise ImproperlyConfigured("OIDC_ROLE_MAP maps claim values to employee, manager or admin, e.g. tt-admins=admin.")
# Password sign-in goes through this backend (pages, API, admin), which OIDC_ONLY closes to
# all but the break-glass admins; sessions started by single sign-on name the second one.
AUTHENTICATION_BACKENDS = ["users.backends.PasswordBackend", "users.backends.SingleSignOnBackend"]

# --- REST framework ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.SessionJWTAuthentication",
        "users.authentication.PersonalAccessTokenAuthentication",
        "core.authentication.AuditedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.UserRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.DepthLimitedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Lists that grow without bound (time entries, leave requests) count exactly up to this many
# rows; a longer list's `count` is the database's estimate (`count_is_estimate: true`).
API_EXACT_COUNT_LIMIT = env.int("API_EXACT_COUNT_LIMIT", default=10_000)
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": f"{PROJECT_NAME} API",
    "DESCRIPTION": "Time tracking, leave and working-time compliance. Authenticate with a JWT from "
    "/api/v1/auth/token or a personal access token from /api/v1/tokens.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "persistAuthorization": True},
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["core.schema.strip_trailing_slashes"],
    "ENUM_NAME_OVERRIDES": {"PersonalAccessTokenScopeEnum": "users.models.PersonalAccessToken.Scope"},
}

# --- Rate limits (django-ratelimit counters in the default cache: Redis when configured) --
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATE_LIMIT_LOGIN_PER_EMAIL = env.str("RATE_LIMIT_LOGIN_PER_EMAIL", default="5/m")
RATE_LIMIT_LOGIN_PER_IP = env.str("RATE_LIMIT_LOGIN_PER_IP", default="20/m")
RATE_LIMIT_REGISTER = env.str("RATE_LIMIT_REGISTER", default="10/h")
RATE_LIMIT_REFRESH = env.str("RATE_LIMIT_REFRESH", default="30/m")
RATE_LIMIT_API_USER = env.str("RATE_LIMIT_API_USER", default="1000/h")
# How many reverse proxies in front of us append to X-Forwarded-For. 0: trust REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Two-factor sign-in (django-otp: TOTP apps and recovery codes) ------------------------
# The device apps come before "users" so that users/admin.py can take their admins off the
# site (they would show the secrets); OTPMiddleware marks a session verified, and
# users.middleware.MfaMiddleware holds an unverified or unenrolled session to the two-factor pages.
INSTALLED_APPS[INSTALLED_APPS.index("users") : INSTALLED_APPS.index("users")] = [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
_after_auth = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_after_auth:_after_auth] = ["django_otp.middleware.OTPMiddleware", "users.middleware.MfaMiddleware"]
# Roles that must enrol a second factor before they reach anything but the enrolment page.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=[])
if set(MFA_REQUIRED_ROLES) - {"employee", "manager", "admin"}:
    raise ImproperlyConfigured("MFA_REQUIRED_ROLES lists roles from: employee, manager, admin (comma-separated).")
# Every code tried (sign-in step, API login, removal, enrolment) counts, per person and per client address.
RATE_LIMIT_MFA_PER_USER = env.str("RATE_LIMIT_MFA_PER_USER", default="5/5m")
RATE_LIMIT_MFA_PER_IP = env.str("RATE_LIMIT_MFA_PER_IP", default="20/5m")
OTP_TOTP_ISSUER = PROJECT_NAME

# --- Security headers --------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the pages' htmx requests read it to send X-CSRFToken
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy: set SECURE_PROXY_SSL_HEADER=true (the proxy sends
    # X-Forwarded-Proto) or SECURE_SSL_REDIRECT=false if the proxy itself redirects.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^health$"]  # load balancer probes speak plain HTTP


def _origins(raw: str) -> list[str]:
    raw = raw.strip()
    if raw.startswith("["):
        return [str(origin).rstrip("/") for origin in json.loads(raw)]
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]


CORS_ALLOWED_ORIGINS = _origins(env.str("BACKEND_CORS_ORIGINS", default=""))
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Audit -------------------------------------------------------------------------------
AUDITLOG_DISABLE_REMOTE_ADDR = False
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_ON_RAW_SAVE = True  # loading fixtures or restoring a test database is not a change

# --- I18N / static -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# A person's `language` wins, then the language cookie (the sign-in page's switcher), then
# Accept-Language, then LANGUAGE_CODE (core.middleware.UserLanguageMiddleware).
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
# templates/, config/ and static/ strings; each app's own strings live in <app>/locale.
LOCALE_PATHS = [BASE_DIR / "locale"]
# Weeks start on Monday in both languages (Django's English formats start them on Sunday).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
# Where collectstatic writes; .ci/run and the build test point it at a scratch directory.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
WHITENOISE_USE_FINDERS = not PRODUCTION  # development and tests serve static files without collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="timetracker@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Authlib logs the PKCE code verifier at DEBUG: secrets never reach the logs, whatever LOG_LEVEL says.
    "loggers": {"authlib": {"level": "INFO"}},
}
