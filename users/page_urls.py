from django.urls import path

from users import pages, pages_mfa

urlpatterns = [
    path("login/", pages.login_page, name="login"),
    path("login/code/", pages_mfa.login_code_page, name="login-code"),
    path("logout/", pages.logout_page, name="logout"),
    path("two-factor/", pages_mfa.mfa_page, name="mfa"),
    path("two-factor/remove/", pages_mfa.mfa_remove_page, name="mfa-remove"),
]
