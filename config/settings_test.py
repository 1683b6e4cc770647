"""Test settings: the real settings plus what only makes tests fast and deterministic."""

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
if REDIS_URL:
    # Each test run gets its own key space on the shared Redis.
    CACHES["default"]["KEY_PREFIX"] = "tt-test"  # noqa: F405
