"""Saved reports on the reports page: "Save these filters" under a name, and delete one.

Both go through the services `GET/POST/DELETE /api/v1/saved-reports` call
(`analytics.saved_reports`). What is saved is the page's own reading of the query string
(`analytics.reports_filters.report_request`), so a saved report opens exactly the report
that was on screen: a relative period stays relative ("last month" is last month when it
is opened), a custom one keeps its dates."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from analytics.models import SavedReport
from analytics.reports_filters import RANGED, ReportRequest, report_request
from analytics.saved_reports import (
    REPORTS_PAGE_PATH,
    saved_report_create,
    saved_report_delete,
    saved_report_page_url,
)
from core.errors import DomainError


class SavedReportForm(forms.Form):
    name = forms.CharField(max_length=SavedReport._meta.get_field("name").max_length)
    query = forms.CharField(required=False, max_length=4000)


def saved_report_params_of(asked: ReportRequest) -> dict:
    """The parameters a saved report keeps of the page's request: its filters and sort,
    and the period preset instead of the dates it stands for."""
    params = dict(asked.raw)
    if asked.report in RANGED:
        params["range"] = asked.range
    return params


def _first_error(error: ValidationError) -> str:
    """One sentence out of a DRF ValidationError's detail (possibly nested by field)."""
    detail = error.detail
    while isinstance(detail, dict | list):
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)


@require_POST
@login_required
def saved_report_save(request):
    form = SavedReportForm(request.POST)
    query = QueryDict(request.POST.get("query", ""))
    back = saved_report_back_url(query)
    if not form.is_valid():
        messages.error(request, _("Not saved: give the report a name of at most 100 characters."))
        return redirect(back)
    asked = report_request(request.user, query)
    if asked.errors:
        messages.error(request, _("Not saved: correct the filters first."))
        return redirect(back)
    try:
        saved = saved_report_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            report=asked.report,
            params=saved_report_params_of(asked),
        )
    except DomainError as error:
        messages.error(request, _("Not saved: %(reason)s") % {"reason": error.detail})
    except ValidationError as error:
        messages.error(request, _("Not saved: %(reason)s") % {"reason": _first_error(error)})
    else:
        messages.success(request, _("Saved as “%(name)s”.") % {"name": saved.name})
        return redirect(saved_report_page_url(saved))
    return redirect(back)


def saved_report_back_url(query: QueryDict) -> str:
    return f"{REPORTS_PAGE_PATH}?{query.urlencode()}" if query else REPORTS_PAGE_PATH


@require_POST
@login_required
def saved_report_delete_page(request, pk: int):
    try:
        saved_report_delete(owner=request.user, saved_report_id=pk)
    except SavedReport.DoesNotExist as error:
        raise Http404(_("No such saved report.")) from error
    messages.success(request, _("The saved report is deleted."))
    return redirect(saved_report_back_url(QueryDict(request.POST.get("query", ""))))
