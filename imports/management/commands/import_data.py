"""`manage.py import_data FILE --kind time_entries [--dry-run] [--time-zone ZONE] [--as EMAIL]`:
an administrator's import from the terminal, through the same services as
`POST /api/v1/imports` (`import_create`, then the import task), with a progress bar.

With a Celery worker (REDIS_URL set) the bar follows the worker's progress; with eager Celery
the task runs when the upload commits, inside this command, and the bar shows where it ended.
Exits non-zero when the file is refused, invalid or the import failed, listing the errors."""

import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from core.audit import task_actor
from core.errors import DomainError
from imports.formats import KINDS
from imports.models import Import
from imports.services import import_create
from users.models import User

Status = Import.Status
# Where following an import stops: a dry run ends once validated, an import once committed.
FINAL = {True: {Status.VALID, Status.INVALID, Status.FAILED}, False: {Status.DONE, Status.INVALID, Status.FAILED}}
POLL_SECONDS = 0.5
BAR_WIDTH = 30


class ProgressBar:
    """An import's progress on one line, redrawn in place on a terminal; elsewhere (a log,
    a pipe) a line each time the status or the tens of percent change."""

    def __init__(self, out):
        self.out, self.live, self.shown = out, out.isatty(), None

    def show(self, percent: int, status: str) -> None:
        filled = BAR_WIDTH * percent // 100
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {status}"
        if self.live:
            self.out.write("\r" + line, ending="")
            self.out.flush()
        elif (percent // 10, status) != self.shown:
            self.out.write(line)
        self.shown = (percent // 10, status)

    def close(self) -> None:
        if self.live:
            self.out.write("")


class Command(BaseCommand):
    help = "Import users, projects, time entries or leave from a CSV/XLSX file (administrators)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV or XLSX file: the template, or a Kimai/Clockify/Toggl export.")
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--dry-run", action="store_true", help="Validate only; import nothing.")
        parser.add_argument("--time-zone", default="", help="IANA zone of naive times (default: each person's).")
        parser.add_argument(
            "--as",
            dest="actor",
            default="",
            metavar="EMAIL",
            help="The administrator importing (default: the only one).",
        )
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds to wait for the worker.")

    def handle(self, *args, **options):
        actor = _administrator(options["actor"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        with task_actor(actor.pk, "command:import_data"), path.open("rb") as handle:
            try:
                source = import_create(
                    actor=actor,
                    file=File(handle, name=path.name),
                    kind=options["kind"],
                    dry_run=options["dry_run"],
                    time_zone=options["time_zone"],
                )
            except DomainError as error:
                raise CommandError(f"{error.field or 'file'}: {error.detail}") from None
            source = self._follow(source, FINAL[options["dry_run"]], options["timeout"])
        self._report(source)

    def _follow(self, source: Import, final: set[str], timeout: float) -> Import:
        """Redraw the bar from the import's row until it reaches a `final` status."""
        bar, deadline = ProgressBar(self.stdout), time.monotonic() + timeout
        while True:
            source.refresh_from_db()
            bar.show(source.progress, source.status)
            if source.status in final:
                bar.close()
                return source
            if time.monotonic() > deadline:
                bar.close()
                raise CommandError(
                    f"Import #{source.pk} is still {source.status} after {timeout:g} s (is a Celery worker "
                    f"running?); follow it at /api/v1/imports/{source.pk}."
                )
            time.sleep(POLL_SECONDS)

    def _report(self, source: Import) -> None:
        described = f"Import #{source.pk} ({source.format or 'unread'} file, {source.rows_total} rows)"
        if source.status == Status.DONE and source.duplicate_of_id:
            self.stdout.write(f"{described}: already imported by import #{source.duplicate_of_id}; nothing new.")
        elif source.status == Status.DONE:
            self.stdout.write(self.style.SUCCESS(f"{described}: imported {source.rows_imported} rows."))
        elif source.status == Status.VALID:
            self.stdout.write(
                self.style.SUCCESS(f"{described}: valid, nothing imported (dry run). Run again without --dry-run.")
            )
        else:
            for error in source.errors:
                self.stderr.write(f"row {error['row'] or '-'}  {error['field']}: {error['message']}")
            if source.errors_more:
                self.stderr.write(f"… and {source.errors_more} more errors.")
            raise CommandError(f"{described} is {source.status}: nothing was imported.")


def _administrator(email: str) -> User:
    """The active admin named by `--as`, or the only active admin when none is named."""
    admins = User.objects.filter(is_active=True, role=User.Role.ADMIN)
    if email:
        found = admins.filter(email__iexact=email).first()
        if found is None:
            raise CommandError(f"{email} is not an active administrator: imports from the terminal are theirs.")
        return found
    found = list(admins[:2])
    if len(found) != 1:
        raise CommandError("Name the administrator who imports with --as EMAIL.")
    return found[0]
