"""`make run` seeds the demo (`seed_demo`) and then starts the server: the demo logins are the
last thing it prints, after everything the seeding itself printed (issue 14)."""

import sys

import pytest
from django.core.management import call_command

from config.celery import app as celery_app


@pytest.mark.django_db(transaction=True)  # the seeding's e-mails go out on commit, as in `make run`
def test_seed_demo_prints_the_logins_after_the_seeding_output(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # `make run`'s default
    # `make run` without Redis runs tasks inline; hold this process's Celery app to that,
    # whatever an earlier test on this worker did to it.
    previous, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, True
    try:
        call_command("seed_demo", stdout=sys.stdout)
    finally:
        celery_app.conf.task_always_eager = previous
    lines = capsys.readouterr().out.rstrip().splitlines()
    assert any(line.startswith("Subject: [Time Tracker]") for line in lines)  # the leave e-mails
    heading = next(index for index, line in enumerate(lines) if line.startswith("Demo data ready. Logins"))
    logins = lines[heading + 1 :]
    assert len(logins) == 9 and all("@example.com" in line for line in logins), lines[heading:]
    assert logins[0].split() == ["admin@example.com", "admin"]
