"""Acceptance 2 of issue 14: the demo's compliance page shows only real findings. The demo
(`seed_demo`, what `make run` loads) is judged by the same scan the nightly task runs; what
it finds must be true of the recorded work: no break, rest or weekly-rest finding (the demo's
clocked days have real breaks and nights off), and the "times not recorded" warnings sit on
days that hold hours without times only, as the German calendar's policy asks."""

import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command

from compliance.models import Violation
from timeentries.models import TimeEntry
from users.models import User

NOW = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_demo_compliance_page_shows_only_real_findings(client):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("check_working_time", "--from", "2026-10-01", "--to", "2026-11-12", stdout=io.StringIO())
        findings = list(Violation.objects.exclude(status=Violation.Status.RESOLVED))

        assert findings, "the demo has days typed into the grid under a German calendar"
        assert {finding.rule for finding in findings} == {"times_not_recorded"}
        for finding in findings:
            day_entries = TimeEntry.objects.filter(user=finding.user, day=finding.period_start)
            assert day_entries.exists() and not day_entries.clocked().exists(), finding.message

        manager = User.objects.get(email="mia.manager@example.com")
        client.force_login(manager)
        page = client.get("/compliance/").content.decode()
        assert "Times not recorded" in page
        for invented in ("without a 30-minute break", "of rest since", "Daily rest"):
            assert invented not in page
        first = min(finding.period_start for finding in findings)
        assert first >= date(2026, 10, 1)
