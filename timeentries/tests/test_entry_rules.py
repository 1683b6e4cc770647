"""Rules on time entries that the API and the admin must apply alike, because both call
the same service."""

import pytest
from django.test import Client

from timeentries.models import TimeEntry
from timeentries.services import ENTRY_NEEDS_END

pytestmark = pytest.mark.django_db


def test_an_entry_without_an_end_is_refused_alike_by_the_api_and_the_admin(
    frozen_2026_11_12, api, carol, password, acme, acme_dev
):
    """Issue 13: the rule lived in the serializer only; the admin said "This field is required."."""
    by_api = api(carol).post("/api/v1/time-entries", {"project": acme.pk, "start": "2026-11-10T09:00:00Z"})

    admin = Client()
    assert admin.login(email=carol.email, password=password)
    form = {"project": acme.pk, "task": acme_dev.pk, "start_0": "2026-11-10", "start_1": "09:00:00", "billable": "on"}
    by_admin = admin.post("/admin/timeentries/timeentry/add/", {**form, "end_0": "", "end_1": ""})

    assert by_api.status_code == 400
    assert by_api.json()["errors"] == {"end": [ENTRY_NEEDS_END]}
    assert by_admin.status_code == 200
    assert by_admin.context["adminform"].form.errors["end"] == [ENTRY_NEEDS_END]
    assert not TimeEntry.objects.exists()
