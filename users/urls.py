from django.urls import re_path

from core.routers import OptionalSlashRouter
from users import api, api_oidc, api_tokens

router = OptionalSlashRouter()
router.register("users", api.UserViewSet, basename="user")
router.register("teams", api.TeamViewSet, basename="team")
router.register("contracts", api.ContractViewSet, basename="contract")
router.register("tokens", api_tokens.PersonalAccessTokenViewSet, basename="personal-access-token")

urlpatterns = [
    re_path(r"^auth/register/?$", api.RegisterView.as_view(), name="auth-register"),
    re_path(r"^auth/token/?$", api.TokenObtainView.as_view(), name="auth-token"),
    re_path(r"^auth/token/refresh/?$", api.TokenRefreshView.as_view(), name="auth-token-refresh"),
    re_path(r"^auth/logout/?$", api.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/oidc/?$", api_oidc.OidcTokenView.as_view(), name="auth-oidc"),
    re_path(r"^users/me/?$", api.MeView.as_view(), name="user-me"),
    re_path(r"^users/me/password/?$", api.PasswordChangeView.as_view(), name="user-me-password"),
    *router.urls,
]
