"""The admin site: Django's, with its login behind the same attempt limit as the API's and
the pages' login (`auth_login_attempt_limit`)."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from core.errors import DomainError
from users import services


class LimitedAdminLoginForm(AdminAuthenticationForm):
    """Counts the attempt before checking the password; over the limit, the password is not
    checked at all. A wrong password is audited like any other failed login: `authenticate`
    sends `user_login_failed`."""

    refused: DomainError | None = None

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email and password:
            try:
                services.auth_login_attempt_limit(request=self.request, email=email)
            except DomainError as error:  # RateLimited, or the limiter cannot count
                self.refused = error
                raise ValidationError(error.detail, code=error.code) from error
        return super().clean()


class TimeTrackerAdminSite(admin.AdminSite):
    login_form = LimitedAdminLoginForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        refused = getattr(form, "refused", None)
        if refused is not None:
            response.status_code = refused.status_code
            if getattr(refused, "retry_after", None):
                response["Retry-After"] = str(refused.retry_after)
        return response
