from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from core.health import health_status


def _wants_html(request) -> bool:
    """A browser asks for text/html by name; an API client sends application/json, */* or
    nothing. Only an Accept that names HTML (and does not refuse it with q=0) gets a page."""
    for part in request.headers.get("Accept", "").split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if media.lower() in ("text/html", "application/xhtml+xml"):
            return not any(param.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for param in params)
    return False


@require_GET
def root(request):
    """`/`: a browser goes to the timesheet (or the login page first); API clients keep the
    service description as JSON. Both answers vary with Accept, so caches keep them apart."""
    if _wants_html(request):
        response = redirect("timesheet" if request.user.is_authenticated else "login")
    else:
        response = JsonResponse(
            {
                "status": "ok",
                "project": settings.PROJECT_NAME,
                "api_version": settings.API_VERSION,
                "links": {
                    "docs": request.build_absolute_uri(reverse("api-docs")),
                    "openapi": request.build_absolute_uri(reverse("api-schema")),
                    "health": request.build_absolute_uri(reverse("health")),
                    "api": request.build_absolute_uri("/api/v1/"),
                },
            }
        )
    patch_vary_headers(response, ["Accept"])
    return response


@require_GET
def health(request):
    checks, healthy = health_status()
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
