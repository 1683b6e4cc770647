"""The one error shape of the API: {"detail", "code", "errors"} for every 4xx."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.outage import DATABASE_DOWN, DATABASE_RETRY_AFTER, database_is_down

logger = logging.getLogger(__name__)


def _flatten(detail) -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {field: [messages]} with dotted field paths."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                if inner:
                    walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in messages)

    walk("", detail)
    return flat


def error_body(detail: str, code: str, errors: dict | None = None) -> dict:
    body = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # DRF reads the body through Django's `request.body`, which enforces the limit.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = error_body(_("The request body is larger than %(limit)s bytes.") % {"limit": limit}, "request_too_large")
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DomainError):
        response = Response(error_body(exc.detail, exc.code, exc.errors), status=exc.status_code)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, DataError):
        # Input the database cannot store (a NUL byte, a number out of range) is bad input.
        logger.info("rejected input the database cannot store: %s", exc)
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("The request contains characters or values that cannot be stored.")]}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first_field, first_messages = next(iter(errors.items()))
        detail = first_messages[0] if first_field == "non_field_errors" else f"{first_field}: {first_messages[0]}"
        response.data = error_body(detail, "invalid", errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if isinstance(detail, dict):  # simplejwt's token errors carry a dict
            code = detail.get("code", codes.get("code") if isinstance(codes, dict) else "error")
            message = detail.get("detail", _("Invalid token."))
            response.data = error_body(str(message), str(code))
        else:
            response.data = error_body(str(detail), codes if isinstance(codes, str) else "error")
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(max(1, int(exc.wait)))
    return response


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or request.path in ("/", "/health")


def json_not_found(request, exception=None):
    """404 in the API's error shape under /api/; the normal HTML page elsewhere."""
    if not _wants_json(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse(error_body(_("Not found."), "not_found"), status=status.HTTP_404_NOT_FOUND)


def service_unavailable(request, detail: str, retry_after: int) -> HttpResponse:
    """503 with Retry-After: the error shape under /api/, a short page (no session, no
    database) elsewhere."""
    if _wants_json(request):
        response = JsonResponse(error_body(detail, "service_unavailable"), status=503)
    else:
        context = {"detail": detail, "retry_after": retry_after, "project_name": settings.PROJECT_NAME}
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(retry_after)
    return response


def json_server_error(request):
    # A database outage raised by a middleware (the session, the user) arrives here, not in
    # OutageMiddleware.process_exception; Django calls this handler inside its except block.
    if database_is_down(sys.exc_info()[1]):
        return service_unavailable(request, DATABASE_DOWN, DATABASE_RETRY_AFTER)
    if not _wants_json(request):
        return defaults.server_error(request)
    return JsonResponse(error_body(_("Internal server error."), "server_error"), status=500)


def json_bad_request(request, exception=None):
    if not _wants_json(request):
        return defaults.bad_request(request, exception)
    return JsonResponse(error_body(_("Bad request."), "bad_request"), status=400)


def json_permission_denied(request, exception=None):
    if not _wants_json(request):
        return defaults.permission_denied(request, exception)
    return JsonResponse(error_body(_("Permission denied."), "permission_denied"), status=403)
