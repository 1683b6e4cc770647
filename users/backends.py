"""Authentication backends: who may sign in with a password, and sessions begun by single
sign-on.

Every password sign-in (the login page, `/api/v1/auth/token`, the admin login) goes through
`authenticate()`, so `OIDC_ONLY` is enforced here, once: only the break-glass admins
(`OIDC_BREAK_GLASS_EMAILS`, role admin) may still use a password.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from users.models import User

SINGLE_SIGN_ON_BACKEND = "users.backends.SingleSignOnBackend"


def password_sign_in_allowed(email: str) -> bool:
    """Whether a password may sign this address in: always, unless `OIDC_ONLY` reserves
    passwords for the break-glass admins."""
    if not settings.OIDC_ONLY:
        return True
    email = (email or "").strip().lower()
    return (
        email in settings.OIDC_BREAK_GLASS_EMAILS
        and User.objects.filter(email__iexact=email, role=User.Role.ADMIN).exists()
    )


class PasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not password_sign_in_allowed(email):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class SingleSignOnBackend(ModelBackend):
    """Keeps the sessions the OpenID Connect callback starts (`login(..., backend=...)`);
    it checks no credentials itself: the callback has verified the provider's ID token."""

    def authenticate(self, request, **credentials):
        return None
