from django.http import JsonResponse
from django.utils import timezone

from core.api import error_body


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
            return JsonResponse(error_body("The request contains a NUL byte.", "bad_request"), status=400)
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
