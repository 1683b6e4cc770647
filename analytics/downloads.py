"""Report files handed to a browser or client: the direct download of a report, and the
file of a finished background export. The API (`analytics.api`) and the reports page
(`analytics.reports_pages`) both answer through these, so a download is limited, audited
and named the same way wherever it is asked for."""

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from analytics import services
from analytics.exports import report_render
from analytics.models import Export
from analytics.queries import ReportQuery
from core.audit import audit_event_record
from core.errors import Conflict, DomainError
from core.i18n import csv_locale_asked


class ExportTooLarge(DomainError):
    status_code = 413
    code = "export_too_large"


def report_download(request, query: ReportQuery, *, format: str, params: dict) -> HttpResponse:
    """`query`'s report for the signed-in user as a csv or xlsx file, recorded in the audit
    trail with the `params` asked for. More rows than EXPORT_SYNC_MAX_ROWS is a 413: those
    are built in the background (`services.export_create`). A CSV takes `?locale=de` for
    German spreadsheets (`core.i18n.CSV_LOCALES`)."""
    csv_locale = csv_locale_asked(request)
    rendered = report_render(query, actor=request.user, format=format, locale=csv_locale)
    if rendered.row_count > settings.EXPORT_SYNC_MAX_ROWS:
        raise ExportTooLarge(
            _(
                "The report has %(rows)s rows, more than %(limit)s can be downloaded directly; "
                "ask for it in the background with POST /api/v1/exports."
            )
            % {"rows": rendered.row_count, "limit": settings.EXPORT_SYNC_MAX_ROWS},
            field="format",
        )
    audit_event_record(
        action="report_exported",
        actor=request.user,
        request=request,
        data={"report": query.report, "format": format, "params": params, "rows": rendered.row_count},
    )
    if format == "csv":
        response = StreamingHttpResponse(rendered.chunks, content_type=rendered.media_type)
    else:
        response = HttpResponse(b"".join(rendered.chunks), content_type=rendered.media_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response


def export_file_response(export: Export) -> FileResponse:
    """The file of a finished background export; one not done yet is a 409."""
    if export.status != Export.Status.DONE or not export.file:
        raise Conflict(_("The export is %(status)s, not done.") % {"status": export.get_status_display().lower()})
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=services.export_filename(export))
