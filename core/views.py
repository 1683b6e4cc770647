from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.health import health_status


@require_GET
def root(request):
    return JsonResponse(
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


@require_GET
def health(request):
    checks, healthy = health_status()
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
