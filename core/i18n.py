"""Which language a person is spoken to in: pages, API messages, emails and calendar feeds."""

from django.conf import settings
from django.utils import translation


def default_language() -> str:
    return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


def language_of(user) -> str:
    """The person's chosen language, else the site's: an email or a feed has no browser to ask."""
    return getattr(user, "language", "") or default_language()


def request_language(request) -> str:
    """The signed-in person's chosen language, else the language cookie (the sign-in page's
    switcher), else Accept-Language, else LANGUAGE_CODE."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language:
        return user.language
    return translation.get_language_from_request(request)


def activate_user_language(user) -> None:
    """For API credentials that only the view authenticates (JWT, personal tokens): the middleware
    saw an anonymous request and chose by Accept-Language, the person's own choice wins now."""
    if user.language:
        translation.activate(user.language)
