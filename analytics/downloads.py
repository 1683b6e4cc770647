"""Report files handed to a browser or client: the direct download of a report, and the
file of a finished background export. The API (`analytics.api`) and the reports page
(`analytics.reports_pages`) both answer through these, so a download is limited, audited
and named the same way wherever it is asked for."""

import tempfile

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _

from analytics import services
from analytics.exports import report_row_count, report_write
from analytics.models import Export
from analytics.queries import ReportQuery
from core.audit import audit_event_record
from core.errors import Conflict, DomainError
from core.i18n import csv_locale_asked


class ExportTooLarge(DomainError):
    status_code = 413
    code = "export_too_large"


def _too_large(limit: int) -> ExportTooLarge:
    return ExportTooLarge(
        _(
            "The report has more than %(limit)s rows, too many to download directly; "
            "ask for it in the background with POST /api/v1/exports."
        )
        % {"limit": limit},
        field="format",
    )


def report_download(request, query: ReportQuery, *, format: str, params: dict) -> FileResponse:
    """`query`'s report for the signed-in user as a csv or xlsx file, recorded in the audit
    trail with the `params` asked for. More rows than EXPORT_SYNC_MAX_ROWS is a 413: those
    are built in the background (`services.export_create`). A CSV takes `?locale=de` for
    German spreadsheets (`core.i18n.CSV_LOCALES`).

    The rows are counted before the report is built, so a report too large is refused at
    the cost of a count; the file is written to a temporary file a row at a time and sent
    from there, so a worker holds neither the report nor the file."""
    csv_locale = csv_locale_asked(request)
    limit = settings.EXPORT_SYNC_MAX_ROWS
    count = report_row_count(query, actor=request.user, limit=limit + 1)
    if count is not None and count > limit:
        raise _too_large(limit)
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes (and so deletes) it
    try:
        written = report_write(query, actor=request.user, format=format, file=file, locale=csv_locale, max_rows=limit)
        if written.row_count > limit:
            raise _too_large(limit)
    except BaseException:
        file.close()
        raise
    audit_event_record(
        action="report_exported",
        actor=request.user,
        request=request,
        data={"report": query.report, "format": format, "params": params, "rows": written.row_count},
    )
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=written.filename, content_type=written.media_type)


def export_file_response(export: Export) -> FileResponse:
    """The file of a finished background export; one not done yet is a 409."""
    if export.status != Export.Status.DONE or not export.file:
        raise Conflict(_("The export is %(status)s, not done.") % {"status": export.get_status_display().lower()})
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=services.export_filename(export))
