"""The dashboard page: the signed-in user's widgets as sections with an empty canvas each.

`static/js/dashboard.js` fetches each widget's data from the API and draws it with Chart.js;
layout changes go back through `PUT /api/v1/dashboards/me`, the same service as the API.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from analytics.models import DashboardWidget
from analytics.widgets import MAX_WIDGETS, dashboard_layout
from leave.selectors_account import account_summary, working_time_account

RANGE_CHOICES = [
    (7, gettext_lazy("7 days")),
    (14, gettext_lazy("14 days")),
    (30, gettext_lazy("30 days")),
    (84, gettext_lazy("12 weeks")),
    (180, gettext_lazy("6 months")),
    (365, gettext_lazy("1 year")),
]


def range_choices(selected: int) -> list[tuple[int, str]]:
    """The standard ranges, plus a saved one that is not among them (set over the API)."""
    choices = dict(RANGE_CHOICES)
    choices.setdefault(selected, ngettext("%(count)d day", "%(count)d days", selected) % {"count": selected})
    return sorted(choices.items())


@require_GET
@login_required
def dashboard_page(request):
    widgets = [
        {**widget, "title": DashboardWidget.Kind(widget["kind"]).label, "ranges": range_choices(widget["range_days"])}
        for widget in dashboard_layout(request.user)
    ]
    account = working_time_account(request.user, request.user.local_today())
    context = {
        "nav": "dashboard",
        "account_text": account_summary(account),
        "widgets": widgets,
        "kinds": [
            (kind, label, DashboardWidget.DEFAULT_RANGE_DAYS[kind]) for kind, label in DashboardWidget.Kind.choices
        ],
        "range_options": RANGE_CHOICES,
        "max_widgets": MAX_WIDGETS,
        "layout_url": reverse("dashboard-me"),
        "widget_url": reverse("analytics-widget", kwargs={"kind": "KIND"}),
    }
    return render(request, "dashboard/dashboard.html", context)
