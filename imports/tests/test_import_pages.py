"""The import page `/imports/` (issue 18): upload a file, see the dry run's errors by row,
commit, the history, and an admin's revert; each through the API's services."""

import re

import pytest
from django.test import Client

from imports.models import Import
from imports.tests.helpers import ENTRY_HEADER, csv_file
from timeentries.models import TimeEntry

pytestmark = [pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12")]

GOOD = "alice@example.com,ACME,,2026-11-09 09:00,2026-11-09 12:00,,,,Login page"
OVERLAP = "alice@example.com,ACME,,2026-11-09 10:00,2026-11-09 11:00,,,,Overlaps row 2"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_file(client, capture, *lines, kind="time_entries", dry_run=True):
    body = {"file": csv_file(*lines), "kind": kind, "time_zone": ""}
    if dry_run:
        body["dry_run"] = "on"
    with capture(execute=True):
        return client.post("/imports/", body)


def error_rows(html: str) -> list[tuple[str, str, str]]:
    table = html.split('data-testid="import-errors"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
    return [tuple(cells[i : i + 3]) for i in range(0, len(cells), 3)]


def test_a_dry_run_shows_the_errors_by_row_and_a_fixed_file_is_committed_from_the_page(
    alice, acme, django_capture_on_commit_callbacks
):
    client = signed_in(alice)
    capture = django_capture_on_commit_callbacks

    refused = post_file(client, capture, ENTRY_HEADER, GOOD, OVERLAP)

    assert refused.status_code == 302
    page = client.get(refused["Location"]).content.decode()
    assert "Invalid" in page and "nothing is imported" in page
    assert error_rows(page) == [("3", "start", "Overlaps row 2 (2026-11-09 09:00\N{EN DASH}12:00).")]
    assert "hx-trigger" not in page  # settled: no more polling

    checked = post_file(client, capture, ENTRY_HEADER, GOOD)
    page = client.get(checked["Location"]).content.decode()
    assert "All 1 rows are valid" in page and "Import 1 rows" in page
    assert TimeEntry.objects.count() == 0

    source = Import.objects.get(pk=checked["Location"].rstrip("/").rsplit("/", 1)[1])
    with capture(execute=True):
        committed = client.post(f"/imports/{source.pk}/commit")
    assert committed.status_code == 302
    page = client.get(committed["Location"]).content.decode()
    assert "1 rows imported." in page
    assert TimeEntry.objects.get().description == "Login page"

    history = client.get("/imports/").content.decode()
    assert f'href="/imports/{source.pk}/"' in history and "Done" in history and "Invalid" in history


def test_the_upload_form_names_a_missing_file_and_offers_employees_only_their_kinds(alice, carol):
    response = signed_in(alice).post("/imports/", {"kind": "time_entries"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "field--error" in html and "This field is required." in html
    assert '<option value="users"' not in html and '<option value="time_entries"' in html
    assert '<option value="users"' in signed_in(carol).get("/imports/").content.decode()
    refused = signed_in(alice).post("/imports/", {"kind": "users", "file": csv_file("email", "x@example.com")})
    assert refused.status_code == 400 and not Import.objects.exists()


def test_someone_elses_import_is_404_and_only_admins_revert(
    alice, dave, carol, acme, django_capture_on_commit_callbacks
):
    client = signed_in(alice)
    done = post_file(client, django_capture_on_commit_callbacks, ENTRY_HEADER, GOOD, dry_run=False)
    source = Import.objects.get()
    assert source.status == Import.Status.DONE, source.errors

    assert signed_in(dave).get(f"/imports/{source.pk}/").status_code == 404
    assert signed_in(dave).post(f"/imports/{source.pk}/commit").status_code == 404
    assert client.post(f"/imports/{source.pk}/revert").status_code == 403
    assert "Revert this import" not in client.get(done["Location"]).content.decode()

    admin = signed_in(carol)
    assert "Revert this import" in admin.get(done["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        reverted = admin.post(f"/imports/{source.pk}/revert", follow=True)
    assert "the rows it created are removed" in reverted.content.decode()
    assert not TimeEntry.objects.exists()
    source.refresh_from_db()
    assert source.status == Import.Status.REVERTED


def test_the_header_links_the_import_page(alice):
    assert 'href="/imports/"' in signed_in(alice).get("/timesheet/").content.decode()
