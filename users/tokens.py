"""The JWTs this project issues: simplejwt's tokens plus two claims that tie them to the
user's sessions.

- `gen`: the user's `token_generation` when the token was issued. A password change or a
  deactivation bumps the generation, so every older token is refused on every request;
  reactivation does not lower it, so old tokens stay dead.
- `fam`: the `TokenFamily` (the sign-in) a refresh token and its access tokens belong to.
  Logout ends the family of the token it is given, which ends that session's access
  tokens too but leaves the user's other devices signed in (bumping the generation on
  logout would sign every device out). Reusing an already rotated refresh token ends the
  family as well: that is how refresh-token theft shows itself.

Tokens without the claims (simplejwt's own `RefreshToken.for_user`, or issued before these
claims existed) count as generation 0 and belong to no family: they die at the user's
first revocation.
"""

from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

GENERATION_CLAIM = "gen"
FAMILY_CLAIM = "fam"


def token_generation_of(token) -> int:
    return int(token.get(GENERATION_CLAIM, 0))


def token_family_id_of(token) -> str | None:
    return token.get(FAMILY_CLAIM)


class RotatedRefreshToken(RefreshToken):
    """A refresh token read for rotation or logout. Its blacklist is not checked on reading:
    the caller's unique blacklist insert is the check, so a token used twice (also at
    the same moment) is told apart from an invalid one and ends its family."""

    def check_blacklist(self) -> None:
        return None


def refresh_token_issue(*, user, family) -> RefreshToken:
    """A new refresh token for `user` in `family`, recorded as outstanding (with its claims,
    which simplejwt's `for_user` would record before they are set)."""
    token = RefreshToken()
    token[api_settings.USER_ID_CLAIM] = str(getattr(user, api_settings.USER_ID_FIELD))
    token[GENERATION_CLAIM] = user.token_generation
    token[FAMILY_CLAIM] = str(family.pk)
    OutstandingToken.objects.create(
        user=user,
        jti=token[api_settings.JTI_CLAIM],
        token=str(token),
        created_at=token.current_time,
        expires_at=datetime_from_epoch(token["exp"]),
    )
    return token
