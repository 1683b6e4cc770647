"""Bench measure g (issue 18): importing time entries for 500 people through the same code
path as the API's import (`import_create`, then the task's `import_process`), at 10,000 and
100,000 rows: rows per second, and peak Python memory (tracemalloc, in a second run of each
size) to show it stays flat. Each run is reverted afterwards (`import_revert`, timed too),
so the next one starts from the same data. Compliance's judgement of the imported days is a
task of its own after the commit; it is timed apart."""

import json
import os
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance.models import Violation
from core.models import OutboxMessage
from imports import services
from imports.models import Import
from imports.services.follow import JUDGE_TASK
from timeentries.models import Project
from users.models import Team, User

PEOPLE = 500
DOMAIN = "import.bench.example"
HEADER = "email,project,start,end,description\n"
GOAL_ROWS_PER_SECOND = 5000
MB = 1024 * 1024


class Command(BaseCommand):
    help = "Bench measure g: import 10,000 and 100,000 time entries for 500 people; write bench/import_results.json."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="10000,100000", help="rows per run, comma separated")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "bench" / "import_results.json"))
        parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
        parser.add_argument(
            "--judge-up-to", type=int, default=10_000, help="time compliance's judgement of runs up to this size"
        )

    def handle(self, *args, **options):
        # The task's body is called here directly (the code path a worker runs); messages the
        # services queue go to an in-memory broker instead of running inline.
        before = current_app.conf.task_always_eager, current_app.conf.broker_url
        current_app.conf.task_always_eager, current_app.conf.broker_url = False, "memory://"
        try:
            rows = self.measure_all(options)
        finally:
            current_app.conf.task_always_eager, current_app.conf.broker_url = before
        result = {"generated_at": timezone.now().isoformat(), "people": PEOPLE, "results": rows}
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result, indent=2) + "\n")
        for item in rows:
            self.stdout.write(json.dumps(item))
        self.stdout.write(f"written to {output}")

    def measure_all(self, options) -> list[dict]:
        self.admin, self.people = self.setup()
        self.judge_up_to = options["judge_up_to"]
        sizes = [int(size) for size in options["sizes"].split(",")]
        rows = [self.measure(size, trace=False) for size in sizes]
        if not options["no_memory"]:
            rows += [self.measure(size, trace=True) for size in sizes]
        return rows

    def setup(self):
        team, _ = Team.objects.get_or_create(name="Import bench")
        Project.objects.get_or_create(code="IMPBENCH", defaults={"name": "Import bench"})
        admin, _ = User.objects.get_or_create(
            email=f"admin@{DOMAIN}", defaults={"role": User.Role.ADMIN, "timezone": "Europe/Berlin"}
        )
        existing = set(User.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", flat=True))
        User.objects.bulk_create(
            [
                User(
                    email=email,
                    team=team,
                    timezone="Europe/Berlin",
                    employment_start=timezone.localdate() - timedelta(days=1000),
                )
                for email in (f"person{n:03d}@{DOMAIN}" for n in range(PEOPLE))
                if email not in existing
            ]
        )
        people = list(
            User.objects.filter(email__startswith="person", email__endswith=f"@{DOMAIN}")
            .order_by("email")
            .values_list("email", flat=True)
        )
        return admin, people

    def write_file(self, size: int) -> Path:
        """`size` clocked entries, 08:00-12:00 on each person's past days, one a day."""
        today = timezone.localdate()
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
            handle.write(HEADER)
            for index in range(size):
                email = self.people[index % PEOPLE]
                day = today - timedelta(days=1 + index // PEOPLE)
                handle.write(f"{email},IMPBENCH,{day} 08:00,{day} 12:00,Imported work {index}\n")
        return Path(handle.name)

    def measure(self, size: int, *, trace: bool) -> dict:
        path = self.write_file(size)
        if trace:
            tracemalloc.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        with path.open("rb") as handle:
            source = services.import_create(
                actor=self.admin, file=File(handle, name=path.name), kind="time_entries", dry_run=False
            )
        source = services.import_process(import_id=source.pk)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak = tracemalloc.get_traced_memory()[1] / MB if trace else None
        if trace:
            tracemalloc.stop()
        path.unlink()
        if source.status != Import.Status.DONE:
            raise CommandError(f"the import of {size} rows is {source.status}: {source.errors[:3]}")
        judged = self.judge(source) if size <= self.judge_up_to and not trace else None
        started = time.perf_counter()
        services.import_revert(actor=self.admin, import_id=source.pk)
        reverted = time.perf_counter() - started
        return {
            "name": f"g_import_{size}_time_entries" + ("_memory" if trace else ""),
            "rows": size,
            "seconds": round(elapsed, 3),
            "rows_per_second": round(size / elapsed),
            "goal": f">= {GOAL_ROWS_PER_SECOND} rows/s",
            "met": size / elapsed >= GOAL_ROWS_PER_SECOND,
            # This process's CPU time (not PostgreSQL's): steadier than the wall clock on a busy machine.
            "python_cpu_seconds": round(cpu, 3),
            "load_average": os.getloadavg()[0],
            "peak_memory_mb": round(peak, 2) if peak is not None else None,
            "compliance_judge_seconds": judged,
            "revert_seconds": round(reverted, 3),
        }

    def judge(self, source: Import) -> float:
        """Run the compliance task the commit queued (the in-memory broker took its message)."""
        message = OutboxMessage.objects.filter(task=JUDGE_TASK).order_by("-pk").first()
        if message is None:
            return 0.0
        # The bench's people start each run without violations (a revert's judgement is not
        # run here), so every run times the judgement of a first import.
        Violation.objects.filter(user__email__endswith=f"@{DOMAIN}").delete()
        started = time.perf_counter()
        services.import_judge(people_days=message.args[0])
        return round(time.perf_counter() - started, 3)
