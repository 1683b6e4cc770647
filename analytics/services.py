"""Writes of the analytics app: background exports, their file, and their expiry."""

import logging
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from analytics import widgets
from analytics.exports import report_check, report_write
from analytics.models import Dashboard, DashboardWidget, Export
from analytics.queries import report_query
from core import outbox
from core.audit import audit_event_record
from core.errors import DomainValidationError
from core.i18n import language_of
from core.outbox import TRANSIENT_ERRORS
from core.replicas import replica_reads
from users.models import User

# By name: analytics.tasks imports these services, so they do not import it back.
EXPORT_TASK = "analytics.tasks.export_run"

logger = logging.getLogger(__name__)

EXPORT_RETENTION = timedelta(days=7)


def export_filename(export: Export) -> str:
    """The download's file name, as the direct download names the same report."""
    return report_query(export.report, export.params, actor=export.owner).filename(export.format)


@transaction.atomic
def export_create(*, actor: User, report: str, format: str, params: dict, locale: str = "", request=None) -> Export:
    """Queue a report file for `actor`, written with `locale`'s number conventions
    (`core.i18n.CSV_LOCALES`); the task starts once this transaction commits."""
    report_check(report_query(report, params, actor=actor), actor=actor)
    export = Export.objects.create(owner=actor, report=report, format=format, params=params, locale=locale)
    audit_event_record(
        action="report_exported",
        actor=actor,
        request=request,
        target=export,
        data={"report": report, "format": format, "params": params, "locale": locale, "background": True},
    )
    outbox.enqueue(EXPORT_TASK, export.pk)
    return export


def _progress(export: Export, value: int, **fields) -> None:
    fields["progress"] = value
    Export.objects.filter(pk=export.pk).update(**fields)


def export_build(*, export_id: int) -> Export:
    """Build the file of a pending export, reporting progress as it goes. Idempotent: an
    export already done or failed is left as it is, and so is one another worker started
    less than TASK_STALE_AFTER ago (a duplicate message); an older "running" one died with
    its worker and is built again."""
    with transaction.atomic():
        export = Export.objects.select_for_update().select_related("owner").get(pk=export_id)
        if export.status in (Export.Status.DONE, Export.Status.FAILED):
            return export
        if export.status == Export.Status.RUNNING and export.started_at and export.started_at > _stale_before():
            return export
        export.status, export.progress, export.started_at = Export.Status.RUNNING, 5, timezone.now()
        export.save(update_fields=["status", "progress", "started_at"])
    try:
        # Written to a temporary file a row at a time, then handed to the storage in chunks:
        # the worker holds neither the report nor the file.
        with tempfile.TemporaryFile() as content:
            # The file's headings in its owner's language; a replica that already holds this
            # export's row holds all its owner wrote before asking.
            with translation.override(language_of(export.owner)), replica_reads(caught_up_with=export):
                query = report_query(export.report, export.params, actor=export.owner)
                written = report_write(
                    query, actor=export.owner, format=export.format, file=content, locale=export.locale
                )
            _progress(export, 90)
            export.file.save(written.filename, File(content), save=False)
        export.status, export.progress, export.row_count = Export.Status.DONE, 100, written.row_count
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "progress", "row_count", "finished_at"])
    except TRANSIENT_ERRORS:
        raise  # the database or broker is away for a moment: the task retries (see export_run)
    except Exception as error:
        logger.exception("export %s failed", export_id)
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
        )
        export.refresh_from_db()
    return export


def _stale_before(now=None):
    return (now or timezone.now()) - timedelta(seconds=settings.TASK_STALE_AFTER)


def exports_reap_stale(*, now=None) -> dict[str, int]:
    """Exports a dead worker left behind: running since longer than any task may run, or
    still pending that long after being queued. Each is queued again once; one that is
    stale again after that fails, with the reason in `error`."""
    now = now or timezone.now()
    stale_before = _stale_before(now)
    stale = Export.objects.filter(
        Q(status=Export.Status.RUNNING, started_at__lt=stale_before)
        | Q(status=Export.Status.PENDING, requeued_at__isnull=True, created_at__lt=stale_before)
        | Q(status=Export.Status.PENDING, requeued_at__lt=stale_before)
    )
    requeued = failed = 0
    for export in stale.order_by("pk"):
        with transaction.atomic():
            # Re-read under a lock: a worker may have finished or restarted it meanwhile.
            export = Export.objects.select_for_update().get(pk=export.pk)
            if not stale.filter(pk=export.pk).exists():
                continue
            if export.requeued_at is None:
                export.status, export.progress, export.requeued_at = Export.Status.PENDING, 0, now
                export.save(update_fields=["status", "progress", "requeued_at"])
                outbox.enqueue(EXPORT_TASK, export.pk)
                requeued += 1
                logger.warning("export %s was stale (%s); queued again", export.pk, export.status)
            else:
                export.status, export.finished_at = Export.Status.FAILED, now
                export.error = _(
                    "The export did not finish: the worker building it stopped (no result within "
                    "%(seconds)s s, twice). Please start it again."
                ) % {"seconds": settings.TASK_STALE_AFTER}
                export.save(update_fields=["status", "finished_at", "error"])
                failed += 1
                logger.warning("export %s was stale after being queued again; marked failed", export.pk)
    return {"requeued": requeued, "failed": failed}


def export_fail(*, export_id: int, reason: str) -> Export:
    """Mark a pending or running export failed with `reason` (a finished one is kept)."""
    Export.objects.filter(pk=export_id).exclude(status__in=(Export.Status.DONE, Export.Status.FAILED)).update(
        status=Export.Status.FAILED, error=reason[:2000], finished_at=timezone.now()
    )
    return Export.objects.get(pk=export_id)


def exports_purge_expired(*, now=None) -> int:
    """Delete exports (and their files) created more than seven days ago."""
    cutoff = (now or timezone.now()) - EXPORT_RETENTION
    deleted = 0
    for export in Export.objects.filter(created_at__lt=cutoff).iterator():
        if export.file:
            export.file.delete(save=False)
        export.delete()
        deleted += 1
    return deleted


@transaction.atomic
def dashboard_layout_replace(*, user: User, layout: list[dict]) -> list[dict]:
    """Replace the user's widgets with `widgets`, in the given order (positions 0, 1, ...)."""
    if len(layout) > widgets.MAX_WIDGETS:
        raise DomainValidationError(
            _("A dashboard holds at most %(count)s widgets.") % {"count": widgets.MAX_WIDGETS}, field="widgets"
        )
    cleaned = [widgets.validate_widget_request(widget["kind"], widget.get("range_days")) for widget in layout]
    dashboard, _created = Dashboard.objects.select_for_update().get_or_create(owner=user)
    dashboard.widgets.all().delete()
    DashboardWidget.objects.bulk_create(
        DashboardWidget(dashboard=dashboard, kind=kind, position=position, range_days=range_days)
        for position, (kind, range_days) in enumerate(cleaned)
    )
    dashboard.save(update_fields=["updated_at"])
    return widgets.dashboard_layout(user)
