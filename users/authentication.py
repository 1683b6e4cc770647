"""JWT authentication that refuses tokens of ended sessions."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings

from core.authentication import AuditedJWTAuthentication
from users.models import TokenFamily, User
from users.tokens import token_family_id_of, token_generation_of


class SessionJWTAuthentication(AuditedJWTAuthentication):
    """simplejwt's checks (signature, expiry, active user) plus the session's: the token's
    generation must be the user's current one and its family, if it names one, must not have
    ended. Both are read with the user row simplejwt loads anyway: one query per request."""

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
        return user
