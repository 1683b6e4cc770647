from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from core import views as core_views

api_v1 = [
    re_path(r"^openapi\.json$", SpectacularJSONAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline styles from its (local, non-inline) scripts; scripts stay 'self'.
    re_path(
        r"^docs/?$",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("", include("users.urls")),
    path("", include("timeentries.urls")),
    path("", include("leave.urls")),
    path("", include("compliance.urls")),
    path("", include("users.audit_urls")),
    path("", include("search.urls")),
    path("", include("analytics.urls")),
    path("", include("analytics.dashboard_urls")),
    path("", include("imports.urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
    path("", core_views.root, name="root"),
    re_path(r"^health/?$", core_views.health, name="health"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the sign-in page's switcher
    path("accounts/", include("users.page_urls")),
    path("", include("leave.page_urls")),
    path("", include("compliance.page_urls")),
    path("", include("timeentries.page_urls")),
    path("", include("search.page_urls")),
    path("", include("analytics.page_urls")),
    path("", include("imports.page_urls")),
]

handler400 = "core.api.json_bad_request"
handler403 = "core.api.json_permission_denied"
handler404 = "core.api.json_not_found"
handler500 = "core.api.json_server_error"

admin.site.site_header = gettext_lazy("Time Tracker administration")
admin.site.site_title = "Time Tracker"
