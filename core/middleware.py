from django.utils import timezone


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
