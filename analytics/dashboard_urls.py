from django.urls import re_path

from analytics import dashboard_api

urlpatterns = [
    re_path(
        r"^analytics/widgets/(?P<kind>[A-Za-z0-9_-]+)/?$",
        dashboard_api.DashboardWidgetView.as_view(),
        name="analytics-widget",
    ),
    re_path(r"^dashboards/me/?$", dashboard_api.MyDashboardView.as_view(), name="dashboard-me"),
]
