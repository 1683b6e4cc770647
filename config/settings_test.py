"""Test settings: the real settings plus what only makes tests fast and deterministic."""

import os

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
if REDIS_URL:
    # Each test process (pytest-xdist worker) gets its own key space on the shared Redis.
    CACHES["default"]["KEY_PREFIX"] = f"tt-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # noqa: F405
