"""The import API's edges: size limit (413), who sees which import (404), the template
download, the OpenAPI schema, and compliance judged once after the import (warn mode)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance.models import Violation
from imports.formats import CANONICAL_FIELDS
from imports.models import Import
from imports.tests.helpers import ENTRY_HEADER, IMPORTS, revert, upload
from timeentries.models import TimeEntry

pytestmark = pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12")
ROW = "alice@example.com,ACME,,2026-11-09 09:00,2026-11-09 10:00,,,,One hour"


def test_a_file_above_the_limit_is_413(api, alice, settings):
    settings.IMPORT_MAX_BYTES = 100
    body = {"file": SimpleUploadedFile("big.csv", b"x" * 101), "kind": "time_entries"}

    response = api(alice).post(IMPORTS, body, format="multipart")

    assert response.status_code == 413
    assert response.json()["detail"] == "The file has 101 bytes; an import takes at most 100."
    assert not Import.objects.exists()


def test_bad_input_names_the_field(api, alice):
    client = api(alice)
    file = SimpleUploadedFile("a.csv", f"{ENTRY_HEADER}\n".encode())
    response = client.post(IMPORTS, {"file": file, "kind": "nope"}, format="multipart")
    assert response.status_code == 400 and "kind" in response.json()["errors"]
    file.seek(0)
    response = client.post(
        IMPORTS, {"file": file, "kind": "time_entries", "time_zone": "Mars/Base"}, format="multipart"
    )
    assert response.status_code == 400 and "time_zone" in response.json()["errors"]
    response = client.post(IMPORTS, {"kind": "time_entries"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_an_unreadable_file_is_invalid_with_the_reason(api, alice, django_capture_on_commit_callbacks):
    _, found = upload(api(alice), django_capture_on_commit_callbacks, "time_entries", "what,is,this", "1,2,3")

    assert found["status"] == "invalid"
    assert [(error["row"], error["field"]) for error in found["errors"]] == [(1, "file")]


def test_another_persons_import_is_404_and_lists_show_ones_own(
    api, alice, frank, carol, acme, django_capture_on_commit_callbacks
):
    _, found = upload(api(alice), django_capture_on_commit_callbacks, "time_entries", ENTRY_HEADER, ROW)

    assert api(frank).get(f"{IMPORTS}/{found['id']}").status_code == 404
    assert api(frank).post(f"{IMPORTS}/{found['id']}/commit").status_code == 404
    assert api(frank).get(IMPORTS).json()["results"] == []
    assert [item["id"] for item in api(alice).get(IMPORTS).json()["results"]] == [found["id"]]
    assert api(carol).get(f"{IMPORTS}/{found['id']}").json()["owner"] == "alice@example.com"


def test_the_template_has_the_header_and_one_example_row(api, alice):
    response = api(alice).get(f"{IMPORTS}/template", {"kind": "time_entries", "format": "csv"})

    assert response.status_code == 200
    assert 'filename="' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(CANONICAL_FIELDS["time_entries"]) and len(rows) == 2
    xlsx = api(alice).get(f"{IMPORTS}/template", {"kind": "users", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert api(alice).get(f"{IMPORTS}/template", {"kind": "nope"}).status_code == 400


def test_every_import_path_is_in_the_schema(api, alice):
    paths = api(alice).get("/api/v1/openapi.json").json()["paths"]

    for path in (IMPORTS, f"{IMPORTS}/{{id}}", f"{IMPORTS}/{{id}}/commit", f"{IMPORTS}/{{id}}/revert"):
        assert any(found.rstrip("/") == path for found in paths), path
    assert any(found.rstrip("/") == f"{IMPORTS}/template" for found in paths)


def test_compliance_is_judged_after_the_import_and_never_refuses_it(
    api, alice, acme, django_capture_on_commit_callbacks
):
    rows = (ENTRY_HEADER, "alice@example.com,ACME,,2026-11-09 07:00,2026-11-09 19:30,,,45,Long day")

    _, found = upload(api(alice), django_capture_on_commit_callbacks, "time_entries", *rows, dry_run=False)

    assert found["status"] == "done"
    assert TimeEntry.objects.count() == 1
    violation = Violation.objects.get(user=alice, rule="daily_max")
    assert str(violation.period_start) == "2026-11-09"


def test_imported_and_reverted_entries_reach_the_search_index_in_bulk(
    api, alice, carol, acme, fake_es, django_capture_on_commit_callbacks, frozen_2026_11_12
):
    rows = (ENTRY_HEADER, ROW, "alice@example.com,ACME,,2026-11-10 09:00,2026-11-10 10:00,,,,Second hour")
    _, found = upload(api(alice), django_capture_on_commit_callbacks, "time_entries", *rows, dry_run=False)

    sent = [line for r in fake_es.of("POST", "_bulk") + fake_es.of("PUT", "_bulk") for line in r.body]
    assert sorted(line["description"] for line in sent if "description" in line) == ["One hour", "Second hour"]

    ids = sorted(str(pk) for pk in TimeEntry.objects.values_list("pk", flat=True))
    fake_es.requests.clear()
    frozen_2026_11_12.shift(timedelta(minutes=5))
    revert(api(carol), django_capture_on_commit_callbacks, found["id"])

    sent = [line for r in fake_es.of("POST", "_bulk") + fake_es.of("PUT", "_bulk") for line in r.body]
    assert sorted(line["delete"]["_id"] for line in sent) == ids
