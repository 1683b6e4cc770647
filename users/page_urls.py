from django.urls import path

from users import pages, pages_oidc

urlpatterns = [
    path("login/", pages.login_page, name="login"),
    path("logout/", pages.logout_page, name="logout"),
    path("oidc/login/", pages_oidc.oidc_login, name="oidc-login"),
    path("oidc/callback/", pages_oidc.oidc_callback, name="oidc-callback"),
]
