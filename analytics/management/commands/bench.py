"""Measure the app against bare baselines on the data of `manage.py bench_data`.

Each measure is a ratio taken in the same run (median of several runs, time.perf_counter),
so that the numbers say something on any machine: the API against the raw SQL it wraps,
the exporter against bare openpyxl, the service against a bare insert, and list pages at
two table sizes."""

import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from analytics import reports
from analytics.exports import report_row_count, report_write, rows_to_xlsx, time_report_columns
from analytics.management.commands.bench_data import (
    ADMIN_EMAIL,
    BENCH_DOMAIN,
    PROJECT_PREFIX,
    TEAM_PREFIX,
    WRITER_EMAIL,
    month_with_data,
)
from analytics.queries import ReportQuery
from analytics.reports import time_report_json
from compliance.services import compliance_judge_written
from leave.models import LeaveRequest
from leave.services import leave_request_approve
from timeentries.models import MAX_ENTRY_LENGTH, Project, TimeEntry
from timeentries.services import time_entry_create
from users.models import User

MB = 1024 * 1024
BERLIN = ZoneInfo("Europe/Berlin")


def median_time(function, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "BEGIN", "COMMIT")


def count_queries(function) -> int:
    """Statements other than transaction control: the bench's own savepoints (to roll its
    writes back) differ with nesting and are not the app's queries."""
    with CaptureQueriesContext(connection) as captured:
        function()
    return sum(not query["sql"].lstrip().upper().startswith(TRANSACTION_CONTROL) for query in captured.captured_queries)


def peak_rss_kb() -> int | None:
    """The process's peak resident memory since it was last reset (Linux only)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), None)


def memory_growth(function) -> tuple[float, float | None]:
    """(Python's peak allocation during `function`, the process's peak RSS growth) in MB.
    The RSS peak is reset first (Linux's clear_refs), so each call is measured on its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        before = peak_rss_kb()
    except OSError:
        before = None
    tracemalloc.start()
    function()
    python_peak = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    after = peak_rss_kb()
    rss = None if before is None or after is None else round((after - before) / 1024, 3)
    return round(python_peak, 3), rss


def row(name, measured, baseline, goal, met, unit="s", **extra) -> dict:
    ratio = measured / baseline if baseline else float("inf")
    return {
        "name": name,
        "measured": round(measured, 6),
        "baseline": round(baseline, 6),
        "unit": unit,
        "ratio": round(ratio, 3),
        "goal": goal,
        "met": bool(met),
        **extra,
    }


def machine_details() -> dict:
    """The machine and database a measurement ran on, for the results files (bench, load test)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        import sqlite3

        database = f"{connection.vendor} {sqlite3.sqlite_version}"
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "database": database,
    }


class Command(BaseCommand):
    help = "Run the benchmark on bench_data's rows; print a table and write bench/results.json."

    def add_arguments(self, parser):
        parser.add_argument("--quick", action="store_true", help="one repetition, small sizes (for the test suite)")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "bench" / "results.json"))
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument(
            "--only",
            default="",
            help="comma-separated measure letters to run (e.g. `e`); the default runs all of a to f and o",
        )

    def handle(self, *args, **options):
        self.quick = options["quick"]
        self.repeat = 1 if self.quick else options["repeat"]
        try:
            self.admin = User.objects.get(email=ADMIN_EMAIL)
            self.writer = User.objects.get(email=WRITER_EMAIL)
        except User.DoesNotExist as error:
            raise CommandError("No bench data: run `manage.py bench_data` first.") from error
        self.big_team_manager = (
            User.objects.filter(role=User.Role.MANAGER, team__name=f"{TEAM_PREFIX}00", email__endswith=BENCH_DOMAIN)
            .select_related("team")
            .get()
        )
        measures = {
            "a": self.measure_time_report,  # a and b: one measure, two rows
            "b": self.measure_time_report,
            "c": lambda: [self.measure_time_entry_pages()],
            "d": lambda: [*self.measure_xlsx(), *self.measure_export()],  # d and d2
            "e": lambda: [self.measure_time_entry_create()],
            "f": self.measure_leave,
            "o": lambda: [self.measure_overtime()],
        }
        letters = [letter.strip() for letter in options["only"].split(",") if letter.strip()] or list(measures)
        unknown = sorted(set(letters) - set(measures))
        if unknown:
            raise CommandError(f"Unknown measure {', '.join(unknown)}: choose from {', '.join(measures)}.")
        rows, done = [], set()
        for letter in letters:
            if measures[letter] not in done:
                done.add(measures[letter])
                rows.extend(measures[letter]())
        results = {
            "generated_at": timezone.now().isoformat(),
            "quick": self.quick,
            "repeat": self.repeat,
            "data": {
                "time_entries": TimeEntry.objects.count(),
                "leave_requests": LeaveRequest.objects.count(),
                "users": User.objects.count(),
            },
            "machine": machine_details(),
            "results": rows,
        }
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=2) + "\n")
        self.print_table(rows)
        self.stdout.write(f"written to {output}")

    # --- helpers ----------------------------------------------------------------------

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def get(self, client: Client, url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    def print_table(self, rows: list[dict]):
        header = f"{'measure':<34} {'measured':>12} {'baseline':>12} {'ratio':>8} {'queries':>9}  met  goal"
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for item in rows:
            queries = "" if item.get("queries") is None else str(item["queries"])
            if item.get("baseline_queries") is not None:
                queries = f"{queries}/{item['baseline_queries']}"
            self.stdout.write(
                f"{item['name']:<34} {item['measured']:>10.4f}{item['unit']:<2} {item['baseline']:>10.4f}"
                f"{item['unit']:<2} {item['ratio']:>8.2f} {queries:>9}  {'yes' if item['met'] else 'NO ':<4} "
                f"{item['goal']}"
            )

    # --- (a), (b): the time report ----------------------------------------------------------

    def raw_time_report(self, start: datetime, end: datetime, team_id: int | None = None) -> list:
        """The user x project sums as one plain GROUP BY: the floor the report API stands on.
        It finds the entries as the report does (clocked ones through the start index, being
        at most MAX_ENTRY_LENGTH long, with their clipped span scaled by worked / span;
        duration entries through the day index), so the ratio measures the API, not a better
        WHERE."""
        adapt = connection.ops.adapt_datetimefield_value
        if connection.vendor == "postgresql":
            span = 'EXTRACT(EPOCH FROM (LEAST(e."end", %s) - GREATEST(e.start, %s)))'
            scale = 'EXTRACT(EPOCH FROM e.duration) / EXTRACT(EPOCH FROM e."end" - e.start)'
            typed = "EXTRACT(EPOCH FROM e.duration)"
        else:
            span = '((julianday(MIN(e."end", %s)) - julianday(MAX(e.start, %s))) * 86400.0)'
            scale = '(e.duration / 1000000.0) / ((julianday(e."end") - julianday(e.start)) * 86400.0)'
            typed = "(e.duration / 1000000.0)"
        seconds = f"CASE WHEN e.kind = 'duration' THEN {typed} ELSE {span} * {scale} END"
        last_day = (end - timedelta(days=1)).date()
        params = [
            *[adapt(end), adapt(start)] * 2,
            adapt(start),
            adapt(end),
            adapt(start - MAX_ENTRY_LENGTH),
            start.date(),
            last_day,
        ]
        team_filter = ""
        if team_id is not None:
            team_filter = "AND u.team_id = %s"
            params.append(team_id)
        sql = f"""
            SELECT e.user_id, u.first_name, u.last_name, u.email, e.project_id, p.name,
                   SUM({seconds}) AS seconds,
                   SUM(CASE WHEN e.billable THEN {seconds} * p.hourly_rate ELSE 0 END) AS amount_seconds,
                   COUNT(*) AS entries
            FROM {TimeEntry._meta.db_table} e
            JOIN {User._meta.db_table} u ON u.id = e.user_id
            JOIN {Project._meta.db_table} p ON p.id = e.project_id
            WHERE ((e."end" > %s AND e.start < %s AND e.start >= %s)
                   OR (e.kind = 'duration' AND e.day BETWEEN %s AND %s)) {team_filter}
            GROUP BY e.user_id, u.first_name, u.last_name, u.email, e.project_id, p.name
        """  # noqa: S608 - table names from model metadata; every value is a parameter
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def measure_time_report(self) -> list[dict]:
        first, last = month_with_data()
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        url = f"/api/v1/reports/time?from={first}&to={last}&group_by=user,project&tz=UTC"
        rows = []
        for name, actor, team_id, goal in (
            ("a_time_report_admin_month", self.admin, None, 1.2),
            ("b_time_report_manager_team_month", self.big_team_manager, self.big_team_manager.team_id, 1.5),
        ):
            client = self.client_for(actor)
            self.get(client, url)  # warm-up: session, caches, query plans
            self.raw_time_report(start, end, team_id)
            api = median_time(lambda client=client: self.get(client, url), self.repeat)
            raw = median_time(lambda team_id=team_id: self.raw_time_report(start, end, team_id), self.repeat)
            # The selector alone, without the request around it: where the rest of the time goes.
            selector = median_time(
                lambda actor=actor: time_report_json(
                    actor=actor, date_from=first, date_to=last, group_by=["user", "project"], tz=ZoneInfo("UTC")
                ),
                self.repeat,
            )
            queries = count_queries(lambda client=client: self.get(client, url))
            groups = len(self.raw_time_report(start, end, team_id))
            rows.append(
                row(
                    name,
                    api,
                    raw,
                    f"<= {goal}x raw SQL",
                    api <= goal * raw,
                    queries=queries,
                    groups=groups,
                    selector=round(selector, 6),
                    selector_ratio=round(selector / raw, 3),
                )
            )
        return rows

    # --- (c): time entry list pages ------------------------------------------------------------

    def measure_time_entry_pages(self) -> dict:
        client = self.client_for(self.admin)
        timings, queries = {}, {}
        for size in (50, 200):
            url = f"/api/v1/time-entries?page_size={size}"
            self.get(client, url)
            timings[size] = median_time(lambda url=url: self.get(client, url), self.repeat)
            queries[size] = count_queries(lambda url=url: self.get(client, url))
        return row(
            "c_time_entries_page_200_vs_50",
            timings[200],
            timings[50],
            "same query count for 200 as for 50 rows",
            queries[200] == queries[50],
            queries=queries[200],
            baseline_queries=queries[50],
        )

    # --- (d): xlsx export --------------------------------------------------------------------------

    @staticmethod
    def report_rows(count: int):
        for n in range(count):
            hours = Decimal(n % 997) / 4
            yield {
                "user_name": f"First{n % 1000:05d} Last{n % 313:05d}",
                "project_name": f"Bench project {n % 200:03d}",
                "hours": hours,
                "billable_hours": hours,
                "amount": hours * 95,
                "entries": n % 40 + 1,
            }

    def measure_xlsx(self) -> list[dict]:
        small, large = (500, 2_000) if self.quick else (10_000, 100_000)
        columns = time_report_columns(["user", "project"])
        keys = [key for key, _, _ in columns]
        totals = {"hours": Decimal(1), "billable_hours": Decimal(1), "amount": Decimal(1), "entries": 1}

        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "bench.xlsx"

            def exporter(count: int):
                rows_to_xlsx(columns, self.report_rows(count), totals, path)

            def bare(count: int):
                workbook = Workbook(write_only=True)
                sheet = workbook.create_sheet("Report")
                sheet.append([str(header) for _, header, _ in columns])
                for item in self.report_rows(count):
                    sheet.append([item[key] for key in keys])
                workbook.save(path)

            exported = median_time(lambda: exporter(large), self.repeat)
            plain = median_time(lambda: bare(large), self.repeat)
            peaks = {}
            for count in (small, large):
                tracemalloc.start()
                exporter(count)
                peaks[count] = tracemalloc.get_traced_memory()[1] / MB
                tracemalloc.stop()
        growth = peaks[large] - peaks[small]
        return [
            row(f"d_xlsx_{large}_rows", exported, plain, "<= 1.3x bare openpyxl", exported <= 1.3 * plain),
            row(
                f"d_xlsx_memory_{small}_to_{large}_rows",
                peaks[large],
                peaks[small],
                f"peak growth < 50 MB (growth {growth:.1f} MB)",
                growth < 50,
                unit="MB",
                growth_mb=round(growth, 3),
            ),
        ]

    # --- (d2): a report from its query to the file ---------------------------------------------

    def measure_export(self) -> list[dict]:
        """Everyone's last year per person and day as an xlsx file, through `report_write`
        (the path of the direct download and the background export: the rows streamed from
        the database into the sheet in a temporary file), against the same file written as
        exports were before: the report built whole (`reports.time_report`), then written.
        Memory: Python's peak (tracemalloc) and the process's peak RSS growth, each export
        on its own. And the count a direct download asks before it builds anything.
        Long because both sides, their memory runs and the count are one measure's rows."""
        last = month_with_data()[1]
        first = last - timedelta(days=6 if self.quick else 365)
        params = {"date_from": first, "date_to": last, "group_by": ["user", "day"], "tz": BERLIN, "filters": {}}
        query = ReportQuery("time", params)
        columns = time_report_columns(["user", "day"])
        repeat = min(self.repeat, 3)

        with tempfile.TemporaryFile() as file:

            def streamed():
                file.seek(0)
                file.truncate()
                return report_write(query, actor=self.admin, format="xlsx", file=file).row_count

            def built_whole():
                file.seek(0)
                file.truncate()
                result = reports.time_report(actor=self.admin, **params)
                return rows_to_xlsx(columns, result["rows"], result["totals"], file)

            rows = streamed()
            exported = median_time(streamed, repeat)
            plain = median_time(built_whole, repeat)
            python_mb, rss_mb = memory_growth(streamed)
            whole_python_mb, whole_rss_mb = memory_growth(built_whole)
        limit = settings.EXPORT_SYNC_MAX_ROWS
        counted = median_time(lambda: report_row_count(query, actor=self.admin, limit=limit + 1), self.repeat)
        return [
            row(
                "d2_export_xlsx_year_user_day",
                exported,
                plain,
                "<= 1.1x the report built whole, then written",
                exported <= 1.1 * plain,
                rows=rows,
            ),
            row(
                "d2_export_memory_year_user_day",
                python_mb,
                whole_python_mb,
                f"growth < 15 MB (peak RSS {rss_mb:.1f} MB; built whole: {whole_rss_mb:.1f} MB)",
                python_mb < 15 and (rss_mb is None or rss_mb < 15),
                unit="MB",
                rss_growth_mb=rss_mb,
                baseline_rss_growth_mb=whole_rss_mb,
                rows=rows,
            ),
            row(
                "d2_export_count_year_user_day",
                counted,
                exported,
                "a 413 after < 0.05 s of counting",
                counted < 0.05,
                rows=rows,
            ),
        ]

    # --- (o): the overtime report -----------------------------------------------------------------

    def measure_overtime(self) -> dict:
        """The big team's manager asks for a year of overtime by week (51 people employed for
        years: their opening balances read everything since): the API against the selector
        alone, the request around it being the difference. Nothing is cached between runs."""
        last = month_with_data()[1]
        first = last - timedelta(days=364)
        url = f"/api/v1/reports/overtime?from={first}&to={last}&period=week"
        client = self.client_for(self.big_team_manager)
        self.get(client, url)  # warm-up: session, query plans
        api = median_time(lambda: self.get(client, url), self.repeat)
        selector = median_time(
            lambda: reports.overtime_report(actor=self.big_team_manager, date_from=first, date_to=last, period="week"),
            self.repeat,
        )
        return row(
            "o_overtime_manager_team_year_by_week",
            api,
            selector,
            "<= 0.05 s (baseline: the selector alone)",
            api <= 0.05,
            queries=count_queries(lambda: self.get(client, url)),
            rows=len(self.get(client, url).json()["rows"]),
        )

    # --- (e): writing one entry --------------------------------------------------------------------

    def measure_time_entry_create(self) -> dict:
        """The service (checks, audit) against a bare insert, both rolled back; the compliance
        judgement that follows the commit is measured besides (`with_judgement_*`)."""
        count = 3 if self.quick else 20
        project = Project.objects.filter(code__startswith=PROJECT_PREFIX).order_by("code").first()
        today = timezone.now().astimezone(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
        starts = [today - timedelta(days=2 + n) for n in range(count)]
        spans = [(start, start + timedelta(hours=1)) for start in starts]

        def rolled_back(write):
            def run():
                with transaction.atomic():
                    for start, end in spans:
                        write(start, end)
                    transaction.set_rollback(True)

            return run

        def service(start, end):
            time_entry_create(actor=self.writer, project=project, start=start, end=end, description="bench")

        def bare(start, end):
            TimeEntry.objects.create(user=self.writer, project=project, start=start, end=end, description="bench")

        def service_then_judgement(start, end):
            # What the request does after the commit, before it answers: the compliance
            # judgement (run here directly, as the bench's transaction never commits).
            service(start, end)
            compliance_judge_written(user=self.writer, spans=[(start, end)])

        rolled_back(service)()  # warm-up
        with_service = median_time(rolled_back(service), self.repeat) / count
        plain = median_time(rolled_back(bare), self.repeat) / count
        with_judgement = median_time(rolled_back(service_then_judgement), self.repeat) / count
        queries = count_queries(rolled_back(service)) / count
        bare_queries = count_queries(rolled_back(bare)) / count
        return row(
            "e_time_entry_create_vs_insert",
            with_service,
            plain,
            "<= 3x a bare ORM insert",
            with_service <= 3 * plain,
            queries=round(queries, 1),
            baseline_queries=round(bare_queries, 1),
            # Outside the write's transaction and locks, but inside the request's latency.
            with_judgement_after_commit=round(with_judgement, 6),
            with_judgement_ratio=round(with_judgement / plain, 3),
            judgement_queries=round(count_queries(rolled_back(service_then_judgement)) / count - queries, 1),
        )

    # --- (f): leave lists and approval at two table sizes -----------------------------------------

    def leave_round(self) -> dict:
        manager = self.big_team_manager
        client = self.client_for(manager)
        measures = {}
        for name, url in (
            ("admin_changelist", "/admin/leave/leaverequest/"),
            ("api_list", "/api/v1/leave/requests"),
        ):
            self.get(client, url)
            measures[name] = (
                median_time(lambda url=url: self.get(client, url), self.repeat),
                count_queries(lambda url=url: self.get(client, url)),
            )
        pending = (
            LeaveRequest.objects.filter(status=LeaveRequest.Status.PENDING, user__team_id=manager.team_id)
            .exclude(user=manager)
            .values_list("pk", flat=True)
            .first()
        )
        if pending is None:
            raise CommandError("No pending leave request in the manager's team: rerun bench_data.")

        def approve():
            with transaction.atomic():
                leave_request_approve(request_id=pending, actor=manager, comment="bench")
                transaction.set_rollback(True)

        approve()
        measures["approve"] = (median_time(approve, self.repeat), count_queries(approve))
        measures["rows"] = (LeaveRequest.objects.count(), None)
        return measures

    def measure_leave(self) -> list[dict]:
        full = self.leave_round()
        with transaction.atomic():
            # A tenth of the table (every pending request stays, so there is one to approve).
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {LeaveRequest._meta.db_table} WHERE id %% 10 <> 0 AND status <> %s "  # noqa: S608
                    f"AND user_id IN (SELECT id FROM {User._meta.db_table} WHERE email LIKE %s)",
                    [LeaveRequest.Status.PENDING, f"%{BENCH_DOMAIN}"],
                )
            small = self.leave_round()
            transaction.set_rollback(True)
        sizes = {"rows": full["rows"][0], "baseline_rows": small["rows"][0]}
        rows = []
        for name, key in (
            ("f_leave_admin_changelist", "admin_changelist"),
            ("f_leave_api_list", "api_list"),
            ("f_leave_approve", "approve"),
        ):
            (big_time, big_queries), (small_time, small_queries) = full[key], small[key]
            limit = "" if key == "approve" else "<= 10 queries, "
            met = big_queries == small_queries and (key == "approve" or big_queries <= 10)
            rows.append(
                row(
                    name,
                    big_time,
                    small_time,
                    f"{limit}same queries at 10x the rows",
                    met,
                    queries=big_queries,
                    baseline_queries=small_queries,
                    **sizes,
                )
            )
        return rows
