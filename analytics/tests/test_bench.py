"""A tiny run of the benchmark, so that it cannot rot between real runs."""

import json

from django.core.management import call_command

from core import periods
from timeentries.models import TimeEntry

MEASURES = {
    "a_time_report_admin_month",
    "b_time_report_manager_team_month",
    "c_time_entries_page_200_vs_50",
    "d_xlsx_2000_rows",
    "d_xlsx_memory_500_to_2000_rows",
    "d2_export_xlsx_year_user_day",
    "d2_export_memory_year_user_day",
    "d2_export_count_year_user_day",
    "e_time_entry_create_vs_insert",
    "f_leave_admin_changelist",
    "f_leave_api_list",
    "f_leave_approve",
    "o_overtime_manager_team_year_by_week",
}


def test_bench_runs_on_a_small_data_set_and_writes_every_measure(db, tmp_path):
    call_command(
        "bench_data", entries=2000, users=60, teams=4, projects=10, leave_requests=400, leave_people=20, seed=7
    )
    output = tmp_path / "results.json"

    call_command("bench", quick=True, output=str(output))

    results = json.loads(output.read_text())
    assert {row["name"] for row in results["results"]} == MEASURES
    for row in results["results"]:
        assert isinstance(row["ratio"], float | int), row
        assert isinstance(row["met"], bool)
    assert results["data"]["time_entries"] == 2000
    # A realistic mix of the two kinds, each of its own shape (kind, day and worked time set).
    assert 450 <= TimeEntry.objects.durations().filter(start__isnull=True, end__isnull=True).count() <= 750
    clocked = TimeEntry.objects.clocked().filter(start__isnull=False, end__isnull=False)
    assert clocked.count() + TimeEntry.objects.durations().count() == 2000
    assert clocked.filter(break_minutes=30).exists()
    assert all(
        entry.duration == entry.end - entry.start - entry.break_duration
        and entry.day == periods.local_date(entry.start, entry.user.tzinfo)
        for entry in clocked.select_related("user")
    )
    assert not TimeEntry.objects.filter(duration__isnull=True).exists()
    assert results["data"]["leave_requests"] == 400
    assert {"platform", "cpu_count", "python", "database"} <= results["machine"].keys()
