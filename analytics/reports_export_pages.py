"""The reports page's background exports and month close: start an export of the report
shown (`services.export_create`, as `POST /api/v1/exports`), its status fragment that htmx
polls until it is done, its file, and an admin's close of the payroll month
(`leave.services.month_closing_create`, as `POST /api/v1/month-closings`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from analytics import services
from analytics.downloads import export_file_response
from analytics.models import Export
from analytics.queries import PayrollReportQuerySerializer
from analytics.reports_filters import report_request
from analytics.reports_pages import EXPORT_ACTIVE, reports_url
from core.errors import DomainError, Forbidden
from core.i18n import CSV_LOCALES
from leave.services import month_closing_create
from users.selectors import teams_visible_to


@require_POST
@login_required
def export_create_page(request):
    """Start a background file of the report the query string asks for (`format` posted)."""
    asked = report_request(request.user, request.GET)
    output = request.POST.get("format")
    locale = request.POST.get("locale", "")
    if locale not in CSV_LOCALES:
        messages.error(request, _("Choose German or English numbers and dates for the file."))
    elif asked.errors or output not in Export.Format.values:
        messages.error(request, _("Choose the report and a format (CSV or XLSX) to export."))
    elif asked.report not in Export.Report.values:
        messages.error(
            request, _("The %(report)s report cannot be exported in the background yet.") % {"report": asked.report}
        )
    else:
        services.export_create(
            actor=request.user, report=asked.report, format=output, params=asked.raw, locale=locale, request=request
        )
        messages.success(
            request,
            _("The %(format)s export has started: it is listed under Recent exports.") % {"format": output.upper()},
        )
    return redirect(reports_url(asked.params, "#exports"))


def _own_export(request, pk: int) -> Export:
    """One of the signed-in user's exports; anyone else's is a 404, as the API's."""
    return get_object_or_404(Export, pk=pk, owner=request.user)


@require_GET
@login_required
def export_status_fragment(request, pk: int):
    export = _own_export(request, pk)
    return render(request, "reports/_export_status.html", {"export": export, "export_active": EXPORT_ACTIVE})


@require_GET
@login_required
def export_download_page(request, pk: int):
    export = _own_export(request, pk)
    try:
        return export_file_response(export)
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect(reports_url({"report": export.report}, "#exports"))


@require_POST
@login_required
def payroll_close_page(request):
    """An admin closes the month (for the team chosen, or the company); the service refuses
    anyone else (403) and a month closed already (shown as a message)."""
    query = PayrollReportQuerySerializer(
        data={key: request.POST[key] for key in ("month", "team") if request.POST.get(key)}
    )
    params = {"report": "payroll", **{key: request.POST[key] for key in ("month", "team") if request.POST.get(key)}}
    if not query.is_valid():
        messages.error(request, _("Choose a month (YYYY-MM) to close."))
        return redirect(reports_url(params))
    data = query.report_params(request.user)
    team = get_object_or_404(teams_visible_to(request.user), pk=data["team"]) if data.get("team") else None
    try:
        closing = month_closing_create(actor=request.user, month=data["month"], team=team)
    except Forbidden as error:
        raise PermissionDenied(error.detail) from error
    except DomainError as error:
        messages.error(request, _("Not closed: %(reason)s") % {"reason": error.detail})
    else:
        messages.success(request, _("%(closing)s is closed for payroll.") % {"closing": closing})
    return redirect(reports_url(params))
