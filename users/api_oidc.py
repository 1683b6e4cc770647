"""`POST /api/v1/auth/oidc`: a client app (a mobile app signing in at the same provider)
exchanges the provider's ID token for this API's access/refresh pair."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.net import client_ip
from core.ratelimit import rate_limit_enforce
from users.api import PublicAuthView
from users.oidc import oidc_ensure_enabled
from users.serializers import TokenPairSerializer
from users.serializers_oidc import OidcTokenInputSerializer
from users.services_oidc import auth_oidc_login


class OidcTokenView(PublicAuthView):
    serializer_class = OidcTokenInputSerializer

    @extend_schema(
        responses={200: TokenPairSerializer},
        description="Exchange an OpenID Connect ID token for an access/refresh pair. 400 `sso_disabled` when "
        "single sign-on is off; 401 `oidc_id_token_invalid` for a token that is expired, not for us, or not "
        "signed by the provider; 401 `user_inactive` or `oidc_email_unverified` when the person may not sign in.",
    )
    def post(self, request):
        oidc_ensure_enabled()
        data = self.validated()
        # The same per-address budget as password sign-ins: a token cannot be guessed, but
        # each one costs a signature check and perhaps a JWKS fetch.
        rate_limit_enforce(request, ("login-ip", client_ip(request), settings.RATE_LIMIT_LOGIN_PER_IP))
        return Response(auth_oidc_login(id_token=data["id_token"], request=request))
