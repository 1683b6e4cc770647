"""Personal access tokens: made, used and revoked here. The API, the admin and the session
services (password change, deactivation) all call these; the secret leaves this module only
as `token_create`'s return value."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import audit_event_record
from core.errors import DomainValidationError, Forbidden, Unauthenticated
from core.validators import validate_display_name
from users.models import PersonalAccessToken, User

# A fixed marker lets secret scanners (and people) recognise a leaked token, and lets the
# authentication tell these tokens from JWTs without trying to decode them.
TOKEN_MARKER = "tt_pat_"
PREFIX_LENGTH = len(TOKEN_MARKER) + 8
SECRET_BYTES = 32
SECRET_MAX_LENGTH = 100
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    """SHA-256 of the secret, unsalted and fast on purpose: the secret is 256 random bits, so
    there is no dictionary or brute force a salt or a slow hash (made for guessable
    passwords) would defend against, and a slow hash would cost every API request. Being
    deterministic, it is also what a presented secret is checked against."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainValidationError(gettext("Give the token a name."), field="name")
    try:
        validate_display_name(name)
    except ValidationError as error:
        raise DomainValidationError(error.messages[0], field="name") from error
    return name


def _clean_scopes(scopes) -> list[str]:
    """The scopes as listed: ["read"], or ["read", "write"] (write includes read)."""
    unknown = [scope for scope in scopes if scope not in PersonalAccessToken.Scope.values]
    if unknown or not scopes:
        raise DomainValidationError(gettext('Scopes are "read", or "read" and "write".'), field="scopes")
    if PersonalAccessToken.Scope.WRITE in scopes:
        return [PersonalAccessToken.Scope.READ.value, PersonalAccessToken.Scope.WRITE.value]
    return [PersonalAccessToken.Scope.READ.value]


def _clean_expiry(expires_at, now):
    if expires_at is None:
        return now + DEFAULT_LIFETIME
    if expires_at <= now:
        raise DomainValidationError(gettext("The expiry must be in the future."), field="expires_at")
    if expires_at > now + MAX_LIFETIME:
        raise DomainValidationError(
            gettext("A token lives at most %(days)s days: expire it by %(latest)s.")
            % {"days": MAX_LIFETIME.days, "latest": (now + MAX_LIFETIME).isoformat()},
            field="expires_at",
        )
    return expires_at


@transaction.atomic
def token_create(*, user: User, name: str, scopes, expires_at=None, request=None) -> tuple[PersonalAccessToken, str]:
    """Make a token for `user` (expiring within a year, in 90 days unless told); returns the
    row and its secret, which is not stored and cannot be shown again."""
    if not user.is_active:
        raise Forbidden(gettext("An inactive user cannot make tokens."))
    now = timezone.now()
    secret = TOKEN_MARKER + secrets.token_urlsafe(SECRET_BYTES)
    token = PersonalAccessToken.objects.create(
        user=user,
        name=_clean_name(name),
        scopes=_clean_scopes(scopes),
        expires_at=_clean_expiry(expires_at, now),
        prefix=secret[:PREFIX_LENGTH],
        hash=token_hash(secret),
    )
    audit_event_record(
        action="personal_token_created",
        actor=user,
        target=token,
        request=request,
        data={
            "name": token.name,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, secret


@transaction.atomic
def token_revoke(*, token: PersonalAccessToken, actor: User, request=None) -> PersonalAccessToken:
    """Revoke one token (its owner or an admin); revoking a revoked token changes nothing."""
    token = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
    if actor.pk != token.user_id and not (actor.is_active and actor.is_admin):
        raise Forbidden(gettext("Only the token's owner or an admin can revoke it."))
    if token.revoked_at is not None:
        return token
    token.revoked_at, token.revoked_by = timezone.now(), actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_event_record(
        action="personal_token_revoked",
        actor=actor,
        target=token,
        request=request,
        data={"name": token.name, "prefix": token.prefix},
    )
    return token


@transaction.atomic
def tokens_revoke_all_of(*, user: User, reason: str, actor: User | None = None, request=None) -> int:
    """Revoke every token of `user` not yet revoked (password change, deactivation); returns
    how many. One UPDATE sends no signals, so it writes its own audit event."""
    live = PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True)
    prefixes = list(live.values_list("prefix", flat=True))
    count = live.update(revoked_at=timezone.now(), revoked_by=actor)
    if count:
        audit_event_record(
            action="personal_tokens_revoked",
            actor=actor,
            target=user,
            request=request,
            data={"count": count, "reason": reason, "prefixes": prefixes},
        )
    return count


def is_personal_token(raw: str) -> bool:
    return raw.startswith(TOKEN_MARKER)


def _find(secret: str) -> PersonalAccessToken | None:
    """The token whose hash matches `secret`, compared in constant time."""
    if len(secret) > SECRET_MAX_LENGTH:
        return None
    digest = token_hash(secret)
    candidates = PersonalAccessToken.objects.select_related("user").filter(prefix=secret[:PREFIX_LENGTH])
    return next((token for token in candidates if hmac.compare_digest(token.hash, digest)), None)


def _touch(token: PersonalAccessToken, now) -> None:
    """Record the use, at most once per LAST_USED_RESOLUTION: the condition sits in the
    UPDATE, so of two requests at once only one writes. Not audited (like last_login): it
    is bookkeeping, and the requests themselves are what is audited."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
    PersonalAccessToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def token_authenticate(*, secret: str) -> PersonalAccessToken:
    """The live token `secret` belongs to (with its user), its use recorded; Unauthenticated
    for an unknown, revoked or expired token or an inactive user."""
    token = _find(secret)
    if token is None:
        raise Unauthenticated(gettext("Unknown personal access token."), code="token_not_valid")
    now = timezone.now()
    if token.revoked_at is not None:
        raise Unauthenticated(gettext("This personal access token has been revoked."), code="token_not_valid")
    if token.expires_at <= now:
        raise Unauthenticated(gettext("This personal access token has expired."), code="token_not_valid")
    if not token.user.is_active:
        raise Unauthenticated(gettext("User is inactive."), code="user_inactive")
    _touch(token, now)
    return token
