import logging

from django.http import JsonResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext

from core.api import error_body, service_unavailable
from core.errors import ServiceUnavailable
from core.i18n import request_language
from core.outage import DATABASE_DOWN, DATABASE_RETRY_AFTER, database_is_down

logger = logging.getLogger(__name__)


class RejectNulBytesMiddleware:
    """A NUL byte in the path or query string is never meaningful and PostgreSQL cannot
    store or compare it; answer 400 before any view sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or "%00" in request.META.get("QUERY_STRING", "")
            or any("\x00" in value for values in request.GET.lists() for value in values[1])
        ):
            return JsonResponse(error_body(gettext("The request contains a NUL byte."), "bad_request"), status=400)
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Pages and the admin show times in the signed-in person's time zone. The API always
    answers in UTC (with the offset), whoever asks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/api/"):
            timezone.activate(user.tzinfo)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class UserLanguageMiddleware:
    """Pages, the admin and the API's messages speak the language `core.i18n.request_language`
    chooses (Django's LocaleMiddleware, plus the person's own choice). It is deactivated after
    each request, so nothing run later in the same thread inherits it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        finally:
            translation.deactivate()


class OutageMiddleware:
    """A view that meets a down dependency answers 503 with Retry-After, never a 500: a
    ServiceUnavailable raised outside DRF (page and admin sign-in while the rate-limit store
    is down), or an unreachable database. Errors raised by other middleware reach
    `core.api.json_server_error`, which answers the same way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ServiceUnavailable):
            return service_unavailable(request, exception.detail, exception.retry_after)
        if database_is_down(exception):
            logger.warning("database unavailable on %s %s: %s", request.method, request.path, exception)
            return service_unavailable(request, DATABASE_DOWN, DATABASE_RETRY_AFTER)
        return None
