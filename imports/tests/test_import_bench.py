"""Bench measure g runs (tiny) in the suite, so it keeps working: an import through the API's
code path, reverted afterwards."""

import json

import pytest
from django.core.management import call_command

from timeentries.models import TimeEntry


@pytest.mark.usefixtures("media_in_tmp")
def test_bench_g_imports_and_reverts_a_small_file(db, tmp_path, django_capture_on_commit_callbacks):
    output = tmp_path / "import_results.json"

    with django_capture_on_commit_callbacks(execute=True):
        call_command("bench_import", sizes="1000", output=str(output), judge_up_to=0)

    results = json.loads(output.read_text())["results"]
    assert [row["name"] for row in results] == ["g_import_1000_time_entries", "g_import_1000_time_entries_memory"]
    assert all(row["rows_per_second"] > 0 for row in results)
    assert results[1]["peak_memory_mb"] > 0
    assert TimeEntry.objects.count() == 0
