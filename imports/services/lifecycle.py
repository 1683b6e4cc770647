"""An import's life: created with its file (queued), validated by the task (valid or
invalid, with the rows' errors), committed (done: every row or none, in one transaction,
one audit event) and perhaps reverted (`imports.services.revert`)."""

import hashlib
import logging
from functools import partial
from pathlib import PurePath
from zoneinfo import available_timezones

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import outbox
from core.audit import audit_event_record
from core.errors import Conflict, DomainError, DomainValidationError
from core.i18n import language_of
from core.outbox import TRANSIENT_ERRORS
from core.permissions import ensure_admin
from imports.formats import KINDS, ImportFileError, read_source
from imports.models import Import, ImportedObject
from imports.progress import progress_forget, progress_report
from imports.selectors import imports_visible_to
from imports.services.context import Run
from imports.services.entries import READ_SHARE, import_time_entries
from imports.services.follow import follow_up, people_days_of
from imports.services.records import import_leave, import_projects, import_users
from users.models import User

logger = logging.getLogger(__name__)

# By name: imports.tasks imports these services, so they do not import it back.
IMPORT_TASK = "imports.tasks.import_process"

RUNNERS = {
    Import.Kind.TIME_ENTRIES: import_time_entries,
    Import.Kind.USERS: import_users,
    Import.Kind.PROJECTS: import_projects,
    Import.Kind.LEAVE: import_leave,
}
ADMIN_KINDS = {
    Import.Kind.USERS: gettext_lazy("Only admins can import people."),
    Import.Kind.PROJECTS: gettext_lazy("Only admins can import projects."),
}
Status = Import.Status


class ImportTooLarge(DomainError):
    status_code = 413
    code = "file_too_large"


def _file_hash(file) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def import_create(*, actor: User, file, kind: str, dry_run: bool = True, time_zone: str = "", request=None) -> Import:
    """Keep an uploaded file and queue its validation (and, unless `dry_run`, its commit once
    valid). People and projects are imported by admins; time entries and leave by anyone,
    for the people they may act for (checked row by row)."""
    if kind not in KINDS:
        raise DomainValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(KINDS)}, field="kind")
    if kind in ADMIN_KINDS:
        ensure_admin(actor, denied=ADMIN_KINDS[kind])
    if time_zone and time_zone not in available_timezones():
        raise DomainValidationError(
            _("Unknown time zone %(zone)r; give an IANA name.") % {"zone": time_zone}, field="time_zone"
        )
    if file.size > settings.IMPORT_MAX_BYTES:
        raise ImportTooLarge(
            _("The file has %(size)s bytes; an import takes at most %(limit)s.")
            % {"size": file.size, "limit": settings.IMPORT_MAX_BYTES},
            field="file",
        )
    filename = PurePath(file.name or "import").name[:255]
    source = Import(
        owner=actor, kind=kind, filename=filename, file_hash=_file_hash(file), dry_run=dry_run, time_zone=time_zone
    )
    source.file.save(filename, file, save=False)
    source.save()
    outbox.enqueue(IMPORT_TASK, source.pk)
    return source


@transaction.atomic
def import_commit(*, actor: User, import_id: int) -> Import:
    """Queue the commit of a valid import of `actor`'s (409 for any other status; one
    already done is answered as it is)."""
    source = imports_visible_to(actor).select_for_update().get(pk=import_id)
    if source.status == Status.DONE:
        return source
    if source.status != Status.VALID:
        raise Conflict(
            _("The import is %(status)s; only a valid import can be committed.")
            % {"status": source.get_status_display().lower()},
            code="invalid_state",
        )
    source.status, source.progress = Status.IMPORTING, 50
    source.save(update_fields=["status", "progress"])
    outbox.enqueue(IMPORT_TASK, source.pk)
    return source


def import_process(*, import_id: int) -> Import:
    """The task's work: validate a queued import (and commit it when it is valid and not a
    dry run), or commit one queued for it. Idempotent: an import in any other state is left
    as it is; validation writes nothing and a commit is one transaction, so a retry after an
    outage starts its step again."""
    with transaction.atomic():
        source = Import.objects.select_for_update().select_related("owner").get(pk=import_id)
        if source.status in (Status.QUEUED, Status.VALIDATING):
            source.status, source.progress = Status.VALIDATING, 1
            source.save(update_fields=["status", "progress"])
        elif source.status != Status.IMPORTING:
            return source
    try:
        with translation.override(language_of(source.owner)):  # the errors kept are read by the owner
            _steps(source)
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:
        logger.exception("import %s failed", import_id)
        Import.objects.filter(pk=import_id).update(
            status=Status.FAILED, errors=[{"row": None, "field": "file", "message": str(error)[:500]}]
        )
    source.refresh_from_db()
    return source


def _steps(source: Import) -> None:
    if source.status == Status.VALIDATING and source.dry_run:
        _validate(source)
    elif source.status == Status.VALIDATING:
        # Not a dry run: one pass checks and writes, all or nothing.
        source.status, source.progress = Status.IMPORTING, 5
        source.save(update_fields=["status", "progress"])
    if source.status == Status.IMPORTING:
        _commit(source.pk)


def import_fail(*, import_id: int, reason: str) -> Import:
    """Mark an import the task gave up on failed, with `reason`."""
    Import.objects.filter(pk=import_id).exclude(status__in=(Status.DONE, Status.REVERTED)).update(
        status=Status.FAILED, errors=[{"row": None, "field": "file", "message": reason[:500]}]
    )
    return Import.objects.get(pk=import_id)


def _earlier_commit(source: Import) -> Import | None:
    """The import of `source`'s owner that committed the same file (kind and content)."""
    return (
        Import.objects.filter(owner_id=source.owner_id, kind=source.kind, committed_hash=source.file_hash)
        .exclude(pk=source.pk)
        .first()
    )


def _progress(source: Import, start: int, span: int, *, share: float = 1.0, write=None):
    """A callback reporting how far through the file a run has read, as start..start+span
    (of which reading the file is `share`). `write(percent)` records it; by default on the
    import's row, which a run outside a transaction (a validation) shows at once."""
    size = max(source.file.size, 1)
    write = write or (lambda percent: Import.objects.filter(pk=source.pk).update(progress=percent))

    def report(_rows: int) -> None:
        read = source.file.file.tell() if not source.file.closed else size
        write(min(start + int(span * share * read / size), start + span))

    return report


def _advance(start: int, span: int, write):
    """A callback reporting the share of a run done after the file is read, as start..start+span."""

    def advance(done: float) -> None:
        write(min(start + int(span * done), start + span))

    return advance


def _run(source: Import, *, write: bool, progress, advance=None) -> Run:
    """Read the file and run its kind over the rows in a savepoint, rolled back unless
    `write` and every row is valid."""
    run = Run(source=source, actor=source.owner, write=write, report=progress, link=partial(_link, source))
    if advance is not None:
        run.advance = advance
    with source.file.open("rb") as handle:
        try:
            read = read_source(handle, filename=source.filename, kind=source.kind)
            source.format = read.format
            if not write and source.kind == Import.Kind.TIME_ENTRIES and not settings.DATABASE_TRANSACTION_POOLING:
                # Its validation writes nothing, so it runs outside a transaction: the
                # progress it reports is seen at once. Behind a transaction pooler its
                # staging tables need one transaction, and the progress shows at its end.
                RUNNERS[source.kind](run, read.rows)
            else:
                with transaction.atomic():
                    RUNNERS[source.kind](run, read.rows)
                    if not write or run.errors:
                        transaction.set_rollback(True)
        except ImportFileError as error:
            run.errors.add(run.rows_total + 1, error.field, error.message)
    return run


def _validate(source: Import) -> None:
    earlier = _earlier_commit(source)
    if earlier is not None:
        source.duplicate_of, source.rows_total, source.rows_valid = earlier, earlier.rows_total, 0
        source.status, source.errors, source.errors_more = Status.VALID, [], 0
    else:
        run = _run(source, write=False, progress=_progress(source, 1, 48))
        _record_run(source, run)
        source.status = Status.INVALID if run.errors else Status.VALID
    source.validated_at = timezone.now()
    source.progress = 100 if source.dry_run or source.status == Status.INVALID else 50
    source.save()


def _record_run(source: Import, run: Run) -> None:
    source.rows_total = run.rows_total
    source.rows_valid = max(run.rows_total - len(run.errors.rows), 0)  # a file-wide error may name no data row
    source.errors, source.errors_more = run.errors.listed(), run.errors.more


@transaction.atomic
def _commit(import_id: int) -> None:
    """Every row or none: the rows are checked again (things may have changed since the
    validation) and written in this one transaction with their links, one audit event, and
    on commit the search index and the compliance judgement of the people's days."""
    source = Import.objects.select_for_update().select_related("owner").get(pk=import_id)
    if source.status != Status.IMPORTING:
        return
    earlier = _earlier_commit(source)
    if earlier is not None or source.duplicate_of_id:
        source.duplicate_of = source.duplicate_of or earlier
        _done(source, created={})
        return
    # The commit's transaction hides what it writes to the import's row until it ends, so its
    # progress goes to the cache, where a poller reads it (`imports.progress`).
    start, span = source.progress, 99 - source.progress
    progress_forget(source.pk)  # what an attempt before a retry reported
    report = partial(progress_report, source.pk)
    run = _run(
        source,
        write=True,
        progress=_progress(source, start, span, share=READ_SHARE, write=report),
        advance=_advance(start, span, report),
    )
    transaction.on_commit(partial(progress_forget, source.pk))
    _record_run(source, run)
    source.validated_at = timezone.now()
    if run.errors:
        source.status, source.progress = Status.INVALID, 100
        source.save()
        return
    _done(source, created=run.created)


def _done(source: Import, *, created: dict[str, int]) -> None:
    source.status, source.progress, source.committed_at = Status.DONE, 100, timezone.now()
    source.rows_imported = 0 if source.duplicate_of_id else source.rows_total
    source.committed_hash = None if source.duplicate_of_id else source.file_hash
    source.save()
    audit_event_record(
        action="import_committed",
        actor=source.owner,
        target=source,
        data={
            "kind": source.kind,
            "file_hash": source.file_hash,
            "filename": source.filename,
            "rows": source.rows_total,
            "created": created,
            "duplicate_of": source.duplicate_of_id,
        },
    )
    if created:
        follow_up({}, people_days_of(source))


def _link(source: Import, label: str, pks: list[int]) -> None:
    """One `ImportedObject` per created row (COPY on PostgreSQL: an import may hold 100,000),
    and the rows' search documents asked for on commit."""
    if connection.vendor == "postgresql":
        table = ImportedObject._meta.db_table
        with (
            connection.cursor() as cursor,
            cursor.connection.cursor().copy(f"COPY {table} (source_id, model, object_id) FROM STDIN") as copy,
        ):
            for pk in pks:
                copy.write_row((source.pk, label, pk))
    else:
        ImportedObject.objects.bulk_create(
            [ImportedObject(source=source, model=label, object_id=pk) for pk in pks], batch_size=5000
        )
    follow_up({label: pks}, {})
