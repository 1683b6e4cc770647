"""Which language a person is spoken to in: pages, API messages, emails and calendar feeds."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext

from core.errors import DomainValidationError

# `?locale=de` on a CSV download: what German spreadsheets open without an import dialog, ";"
# between fields and a decimal comma. Without it (or `en`) the file stays locale-neutral.
CSV_LOCALES = {"": (",", "."), "en": (",", "."), "de": (";", ",")}


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


def languages_of(emails: list[str]) -> dict[str, list[str]]:
    """The addresses grouped by the language their owners read (an unknown address: the site's)."""
    chosen = dict(get_user_model().objects.filter(email__in=emails).values_list("email", "language"))
    groups: dict[str, list[str]] = {}
    for email in emails:
        groups.setdefault(chosen.get(email) or default_language(), []).append(email)
    return groups


def send_mail_translated(recipient_list: list[str], compose: Callable[[], tuple[str, str]]) -> int:
    """One mail per language among the recipients: `compose()` returns (subject, body) and is
    called with that language active; the mail names it (Content-Language). Returns how many
    mails went out."""
    sent = 0
    for language, recipients in languages_of(recipient_list).items():
        with translation.override(language):
            subject, body = compose()
        mail = EmailMessage(subject, body, to=recipients, headers={"Content-Language": language})
        sent += mail.send()
    return sent


def csv_locale_asked(request) -> str:
    """The CSV locale a download asks for (`?locale=`), "" when none; another is a 400 naming it."""
    asked = request.GET.get("locale", "")
    if asked not in CSV_LOCALES:
        raise DomainValidationError(gettext("Give locale=de or locale=en, or leave it out."), field="locale")
    return asked
