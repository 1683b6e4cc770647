"""API authentication: JWTs that are refused once their session ended, and personal access
tokens (`Bearer tt_pat_…`), which never reach simplejwt."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from core.audit import audit_actor_set
from core.authentication import AuditedJWTAuthentication
from core.errors import Unauthenticated
from core.i18n import activate_user_language
from users.models import TokenFamily, User
from users.services_mfa import ENROLMENT_REQUIRED, mfa_enrolment_missing
from users.services_tokens import is_personal_token, token_authenticate
from users.tokens import token_family_id_of, token_generation_of


class SessionJWTAuthentication(AuditedJWTAuthentication):
    """simplejwt's checks (signature, expiry, active user) plus the session's: the token's
    generation must be the user's current one and its family, if it names one, must not have
    ended. Both are read with the user row simplejwt loads anyway: one query per request.
    A personal access token is left to `PersonalAccessTokenAuthentication`."""

    def get_raw_token(self, header):
        raw = super().get_raw_token(header)
        if raw is not None and is_personal_token(raw.decode("latin-1")):
            return None
        return raw

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as error:
            raise InvalidToken(_("Token contained no recognizable user identification")) from error
        users = User.objects.all()
        family_id = token_family_id_of(validated_token)
        if family_id is not None:
            live = TokenFamily.objects.filter(pk=family_id, user=OuterRef("pk"), revoked_at__isnull=True)
            users = users.annotate(token_family_live=Exists(live))
        try:
            user = users.get(**{api_settings.USER_ID_FIELD: user_id})
        except User.DoesNotExist as error:
            raise AuthenticationFailed(_("User not found"), code="user_not_found") from error
        except (ValueError, ValidationError) as error:  # a signed token whose family id is no UUID
            raise InvalidToken(_("Token is invalid")) from error
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if token_generation_of(validated_token) != user.token_generation or (
            family_id is not None and not user.token_family_live
        ):
            raise AuthenticationFailed(_("The session of this token has ended."), code="token_not_valid")
        ensure_mfa_enrolled(user)
        return user


def ensure_mfa_enrolled(user) -> None:
    """A role that must enrol a second factor (MFA_REQUIRED_ROLES) and has not reaches nothing
    over the API either, whichever credential it brings (read from the user row already loaded)."""
    if mfa_enrolment_missing(user):
        raise exceptions.PermissionDenied(ENROLMENT_REQUIRED, code="mfa_enrolment_required")


class PersonalAccessTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer tt_pat_…`: a live token of an active user authenticates as that
    user (`request.auth` is the token). A token with only the read scope is refused every
    unsafe method here, before any view runs: many views set their own `permission_classes`,
    which would drop a default permission, so no write endpoint can forget this check."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].decode("latin-1") != self.keyword:
            return None
        secret = parts[1].decode("latin-1")
        if not is_personal_token(secret):
            return None
        try:
            token = token_authenticate(secret=secret)
        except Unauthenticated as error:
            raise exceptions.AuthenticationFailed(error.detail, code=error.code) from None
        activate_user_language(token.user)
        ensure_mfa_enrolled(token.user)
        if request.method not in permissions.SAFE_METHODS and not token.can_write:
            raise exceptions.PermissionDenied(
                "This token has the read scope only; writing needs a token with the write scope.",
                code="token_read_only",
            )
        audit_actor_set(token.user)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
