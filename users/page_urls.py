from django.urls import path

from users import pages, pages_mfa, pages_oidc, pages_profile

urlpatterns = [
    path("login/", pages.login_page, name="login"),
    path("login/code/", pages_mfa.login_code_page, name="login-code"),
    path("logout/", pages.logout_page, name="logout"),
    path("oidc/login/", pages_oidc.oidc_login, name="oidc-login"),
    path("oidc/callback/", pages_oidc.oidc_callback, name="oidc-callback"),
    path("profile/", pages_profile.profile_page, name="profile"),
    path("two-factor/", pages_mfa.mfa_page, name="mfa"),
    path("two-factor/remove/", pages_mfa.mfa_remove_page, name="mfa-remove"),
]
