"""Celery app: Redis broker when REDIS_URL/REDIS_HOST is set, eager (in-process) when not."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("timetracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
