"""The reports page `/reports/`: a report (time, overtime, leave, payroll) as a chart and a
sortable table with totals, filtered from the query string, and its downloads.

The report's parameters are read by `analytics.reports_filters` through the API's query
serializers; the rows come from `analytics.exports.report_table`, the same function (and
sort) the files are written from, so a download holds exactly the table's rows. Up to
EXPORT_SYNC_MAX_ROWS rows download at once (`analytics.downloads.report_download`, as the
API's); larger reports are built in the background (`analytics.reports_export_pages`)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from analytics.downloads import ExportTooLarge, report_download
from analytics.exports import GROUP_HEADERS, report_table
from analytics.models import Export
from analytics.reports import GROUPS, payroll_month_closings
from analytics.reports_filters import (
    FIELD_LABELS,
    FILTER_KEYS,
    RANGES,
    TABS,
    ReportRequest,
    fields_shown,
    filter_choices,
    report_request,
    sees_others,
    tabs_for,
)
from analytics.reports_table import empty_advice, table_context
from analytics.saved_reports import saved_report_page_url
from analytics.selectors import saved_reports_of
from core.errors import Conflict, DomainError
from core.pages import local_timezone

GROUP_LABELS = [(group, GROUP_HEADERS[group]) for group in GROUPS]
OVERTIME_PERIODS = [("week", gettext_lazy("Week")), ("month", gettext_lazy("Month"))]
BILLABLE_CHOICES = [("true", gettext_lazy("Billable only")), ("false", gettext_lazy("Not billable only"))]
RECENT_EXPORTS = 10
EXPORT_ACTIVE = (Export.Status.PENDING, Export.Status.RUNNING)


def reports_url(params: dict, anchor: str = "") -> str:
    return reverse("reports-page") + "?" + urlencode(params, doseq=True) + anchor


def _values(asked: ReportRequest) -> dict:
    """The filters' current values as the form shows them."""
    values = {**asked.raw, "range": asked.range}
    groups = [group.strip() for group in asked.raw.get("group_by", "project").split(",")]
    values["group_by_1"], values["group_by_2"] = groups[0], groups[1] if len(groups) > 1 else ""
    return values


def _title(asked: ReportRequest) -> str:
    """The table's heading: the report and the days or month it covers."""
    name = dict(TABS).get(asked.report, TABS[0][1])
    raw = asked.raw
    if "from" in raw and "to" in raw:
        return _("%(report)s report, %(from)s to %(to)s") % {"report": name, "from": raw["from"], "to": raw["to"]}
    if "as_of" in raw:
        return _("%(report)s balances on %(day)s") % {"report": name, "day": raw["as_of"]}
    if "month" in raw:
        return _("%(report)s of %(month)s") % {"report": name, "month": raw["month"]}
    return _("%(report)s report") % {"report": name}


def _error_summary(asked: ReportRequest, user) -> list[dict]:
    """Every error, named by its field's label, linked to the field when the form shows it."""
    shown = fields_shown(asked.report, user)
    return [
        {"label": FIELD_LABELS.get(key, ""), "message": message, "field": key if key in shown else ""}
        for key, messages in asked.errors.items()
        for message in messages
    ]


def _tab_url(key: str, asked: ReportRequest) -> str:
    """A tab's link, keeping the team and person chosen where that report has them."""
    kept = {name: asked.raw[name] for name in ("team", "user") if name in asked.raw and name in FILTER_KEYS[key]}
    return reports_url({"report": key, **kept})


def _payroll_status(request, asked: ReportRequest) -> dict | None:
    if asked.report != "payroll" or asked.query is None:
        return None
    month, team = asked.query.params["month"], asked.query.params.get("team")
    closings = payroll_month_closings(request.user, month, team=team)
    closed = any(closing.team_id is None or closing.team_id == team for closing in closings)
    return {"month": month, "closings": closings, "closed": closed, "team": team}


def _query_fields(params: dict) -> list[tuple[str, str]]:
    """`params` as the (name, value) pairs of a form's hidden fields, a list repeating its name."""
    return [
        (name, str(item))
        for name, value in params.items()
        for item in (value if isinstance(value, list | tuple) else [value])
    ]


def file_locale_default() -> str:
    """The file locale the downloads offer first: the reader's language (`core.i18n.CSV_LOCALES`)."""
    return "de" if (translation.get_language() or "").startswith("de") else "en"


def _page_context(request, asked: ReportRequest) -> dict:
    user = request.user
    return {
        "nav": "reports",
        "asked": asked,
        "errors": asked.errors,
        "error_summary": _error_summary(asked, user),
        "values": _values(asked),
        "tabs": [(key, label, _tab_url(key, asked)) for key, label in tabs_for(user)],
        "ranges": RANGES,
        "groups": GROUP_LABELS,
        "overtime_periods": OVERTIME_PERIODS,
        "billable_choices": BILLABLE_CHOICES,
        "title": _title(asked),
        "choices": filter_choices(user),
        "sees_others": sees_others(user),
        "exports": Export.objects.filter(owner=user)[:RECENT_EXPORTS],
        "export_active": EXPORT_ACTIVE,
        "payroll": _payroll_status(request, asked),
        "sync_max": settings.EXPORT_SYNC_MAX_ROWS,
        "background_allowed": asked.report in Export.Report.values,
        "download_query": urlencode(asked.params),
        "download_fields": _query_fields(asked.params),
        "file_locale": file_locale_default(),
        "saved_reports": [(saved, saved_report_page_url(saved)) for saved in saved_reports_of(user)],
        "page_query": request.GET.urlencode(),
    }


@require_GET
@login_required
@local_timezone
def reports_page(request):
    asked = report_request(request.user, request.GET)
    context = _page_context(request, asked)
    if asked.errors:
        return render(request, "reports/reports.html", context, status=400)
    try:
        columns, result = report_table(asked.query, actor=request.user)
    except Conflict as error:  # the payroll of a month not closed: the page says so
        context["notice"] = error.detail
        context["preliminary_url"] = reports_url({**asked.params, "preliminary": "true"})
    else:
        context["table"] = table_context(asked.report, columns, result, asked.raw.get("sort", ""), request.GET)
        context["table"]["too_large"] = context["table"]["row_count"] > settings.EXPORT_SYNC_MAX_ROWS
        context["empty_advice"] = empty_advice(asked.report, asked.query.params)
    return render(request, "reports/reports.html", context)


@require_GET
@login_required
def report_download_page(request):
    """The table's rows as a file (`format=csv|xlsx`), through the API's download function."""
    asked = report_request(request.user, request.GET)
    output = request.GET.get("format")
    if asked.errors or output not in Export.Format.values:
        messages.error(request, _("Choose the report and a format (CSV or XLSX) to download."))
        return redirect(reports_url(asked.params))
    try:
        return report_download(request, asked.query, format=output, params=asked.params)
    except ExportTooLarge:
        messages.error(
            request,
            _("The report has more than %(count)s rows: export it in the background.")
            % {"count": settings.EXPORT_SYNC_MAX_ROWS},
        )
        return redirect(reports_url(asked.params))
    except DomainError as error:
        messages.error(request, _("Not downloaded: %(reason)s") % {"reason": error.detail})
        return redirect(reports_url(asked.params))
