"""Issue 16.21: the 24-hour entry cap is elapsed time, not wall-clock time. Berlin's clocks go
back on Sunday 25 October 2026 (a 25-hour day) and forward on Sunday 29 March 2026 (23 hours)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import DomainValidationError
from timeentries import services
from timeentries.models import TimeEntry

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
ENTRIES = "/api/v1/time-entries"
LONG_DAY = {"start": "2026-10-25T00:00:00+02:00", "end": "2026-10-25T23:59:00+01:00"}  # 24 h 59 min


def test_00_00_to_23_59_on_the_25_hour_day_is_refused_on_end(frozen_2026_11_12, api, alice, acme):
    response = api(alice).post(ENTRIES, {"project": acme.pk, **LONG_DAY})

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"end": ["An entry cannot be longer than 24 hours."]}
    assert not TimeEntry.objects.exists()


def test_the_service_measures_elapsed_time_whatever_zone_the_times_come_in(frozen_2026_11_12, alice, acme):
    start, end = datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN), datetime(2026, 10, 25, 23, 59, tzinfo=BERLIN)
    with pytest.raises(DomainValidationError) as refused:
        services.time_entry_create(actor=alice, project=acme, start=start, end=end)
    assert refused.value.field == "end"

    # 00:00 to 23:00 on the same day is 24 hours elapsed: allowed, and stored as 24 hours.
    entry = services.time_entry_create(
        actor=alice, project=acme, start=start, end=datetime(2026, 10, 25, 23, 0, tzinfo=BERLIN)
    )
    entry.refresh_from_db()
    assert entry.duration == timedelta(hours=24)


def test_00_00_to_23_59_on_the_23_hour_spring_day_is_fine(frozen_2026_11_12, api, alice, acme):
    response = api(alice).post(
        ENTRIES, {"project": acme.pk, "start": "2026-03-29T00:00:00+01:00", "end": "2026-03-29T23:59:00+02:00"}
    )

    assert response.status_code == 201, response.content
    assert TimeEntry.objects.get().duration == timedelta(hours=22, minutes=59)


def test_a_correction_across_the_october_night_is_measured_in_real_hours(frozen_2026_11_12, api, alice, acme):
    created = api(alice).post(
        ENTRIES, {"project": acme.pk, "start": "2026-10-24T22:00:00+02:00", "end": "2026-10-25T06:00:00+01:00"}
    )
    assert created.status_code == 201
    assert TimeEntry.objects.get().duration == timedelta(hours=9)  # 22:00-06:00 across the change

    stretched = api(alice).patch(f"{ENTRIES}/{created.json()['id']}", LONG_DAY)
    assert stretched.status_code == 400 and "end" in stretched.json()["errors"]
    assert TimeEntry.objects.get().duration == timedelta(hours=9)


def test_the_timer_stopped_across_the_october_night_counts_the_extra_hour(frozen_2026_11_12, alice, acme):
    frozen_2026_11_12.move_to(datetime(2026, 10, 24, 20, 0, tzinfo=BERLIN))
    services.timer_start(actor=alice, project=acme)
    frozen_2026_11_12.move_to(datetime(2026, 10, 25, 5, 0, tzinfo=BERLIN))
    entry = services.timer_stop(actor=alice)
    assert entry.duration == timedelta(hours=10)
