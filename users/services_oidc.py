"""Single sign-on: who a verified set of OpenID Connect claims is here.

The person is found by the provider's subject (`OidcIdentity`); at the first sign-in an
existing account is linked by its email only when the provider says it verified that
address, else a new person is made with the role and team the claims map to
(`OIDC_ROLE_CLAIM`/`OIDC_ROLE_MAP`, `OIDC_TEAM_CLAIM`/`OIDC_TEAM_MAP`; mapped at creation,
later changes are made here by admins). A deactivated person is refused.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import audit_event_record
from core.errors import Unauthenticated
from core.signals import person_employed
from core.validators import validate_display_name
from users.models import OidcIdentity, Team, TokenFamily, User, time_zone_names
from users.oidc import oidc_callback_claims, oidc_id_token_claims
from users.services import _token_pair, contract_first_create

ROLE_RANK = {User.Role.EMPLOYEE: 0, User.Role.MANAGER: 1, User.Role.ADMIN: 2}


def _claim_values(claims: dict, name: str) -> list[str]:
    value = claims.get(name) if name else None
    if value is None:
        return []
    return [str(item) for item in value] if isinstance(value, list | tuple) else [str(value)]


def oidc_role_of(claims: dict) -> str:
    """The highest role any value of the role claim maps to (a claim value that is a role's
    name maps to it when `OIDC_ROLE_MAP` is empty); employee when none does."""
    mapping = settings.OIDC_ROLE_MAP or {role: role for role in ROLE_RANK}
    roles = [mapping[value] for value in _claim_values(claims, settings.OIDC_ROLE_CLAIM) if value in mapping]
    return max(roles, key=lambda role: ROLE_RANK[role], default=User.Role.EMPLOYEE)


def oidc_team_of(claims: dict) -> Team | None:
    """The existing team the first mappable value of the team claim names (through
    `OIDC_TEAM_MAP`, or the value itself as the team's name); teams are never made here."""
    for value in _claim_values(claims, settings.OIDC_TEAM_CLAIM):
        name = settings.OIDC_TEAM_MAP.get(value, value if not settings.OIDC_TEAM_MAP else None)
        team = Team.objects.filter(name__iexact=name).first() if name else None
        if team is not None:
            return team
    return None


def _email_verified(claims: dict) -> bool:
    # Some providers send the boolean as a string.
    return claims.get("email_verified") is True or str(claims.get("email_verified")).lower() == "true"


def _display_name(value) -> str:
    text = str(value or "")[:150]
    try:
        validate_display_name(text)
    except ValidationError:
        return ""
    return text


def _user_create(claims: dict, email: str, request) -> User:
    zone = str(claims.get("zoneinfo") or "")
    user = User(
        email=email,
        first_name=_display_name(claims.get("given_name")),
        last_name=_display_name(claims.get("family_name")),
        timezone=zone if zone in time_zone_names() else "UTC",
        role=oidc_role_of(claims),
        team=oidc_team_of(claims),
    )
    user.employment_start = user.local_today()
    user.set_unusable_password()  # they sign in at the provider; no password exists to guess
    user.save()
    contract_first_create(user)
    audit_event_record(
        action="user_registered",
        actor=user,
        target=user,
        request=request,
        data={"method": "oidc", "role": user.role, "team": user.team.name if user.team else None},
    )
    person_employed.send(sender=User, user=user)
    return user


def _identity_link(claims: dict, request) -> OidcIdentity:
    """A first sign-in: link the account with this verified email, or make a new person."""
    email = str(claims.get("email") or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise Unauthenticated(
            gettext("The provider sent no usable email address."), code="oidc_email_missing"
        ) from None
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and not _email_verified(claims):
        raise Unauthenticated(
            gettext(
                "An account with this email exists, but the provider has not verified that the address is yours, "
                "so it is not linked. Ask an administrator."
            ),
            code="oidc_email_unverified",
        )
    if user is None:
        user = _user_create(claims, email, request)
    identity = OidcIdentity.objects.create(user=user, issuer=settings.OIDC_ISSUER, subject=str(claims["sub"]))
    audit_event_record(action="oidc_linked", actor=user, target=user, request=request, data={"issuer": identity.issuer})
    return identity


def _identity_of(claims: dict, request) -> OidcIdentity:
    subject = {"issuer": settings.OIDC_ISSUER, "subject": str(claims["sub"])}
    identity = OidcIdentity.objects.select_related("user").filter(**subject).first()
    if identity is not None:
        return identity
    try:
        with transaction.atomic():
            return _identity_link(claims, request)
    except IntegrityError:  # the same first sign-in twice at once: the other one linked it
        return OidcIdentity.objects.select_related("user").get(**subject)


def _signed_in_user(request, read_claims) -> User:
    """The active person the verified claims `read_claims()` returns sign in; every refusal
    (a bad state, nonce or token, an unverified email, a deactivated account) is audited as
    a failed login and raised as Unauthenticated."""
    claims: dict = {}
    try:
        claims = read_claims()
        identity = _identity_of(claims, request)
        if not identity.user.is_active:
            raise Unauthenticated(gettext("This account is deactivated."), code="user_inactive")
    except Unauthenticated as refusal:
        audit_event_record(
            action="login_failed",
            request=request,
            data={"method": "oidc", "reason": refusal.code, "email": str(claims.get("email") or "")[:254]},
        )
        raise
    OidcIdentity.objects.filter(pk=identity.pk).update(last_login_at=timezone.now())
    return identity.user


def oidc_session_sign_in(*, request) -> User:
    """The person the provider's redirect back to the callback signs in (the page then
    starts their session)."""
    return _signed_in_user(request, lambda: oidc_callback_claims(request))


def auth_oidc_login(*, id_token: str, request=None) -> dict[str, str]:
    """A client app's sign-in with an ID token it got from the provider: a new access/refresh
    pair, starting a new token family, as a password sign-in gives."""
    user = _signed_in_user(request, lambda: oidc_id_token_claims(id_token))
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
        audit_event_record(action="login", actor=user, target=user, request=request, data={"method": "oidc"})
        return _token_pair(user, TokenFamily.objects.create(user=user))
