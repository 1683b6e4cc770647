"""German and English (issue 20): which language a request is answered in, the profile and
the sign-in page's switcher, API messages per person, formats, and the catalogue check."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.formats import get_format

from core.catalogues import catalogue_problems, incomplete

LOGIN = "/accounts/login/"
PROFILE = "/accounts/profile/"
ME = "/api/v1/users/me"
PASSWORD = "/api/v1/users/me/password"
ENTRIES = "/api/v1/time-entries"


def signed_in(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


@pytest.mark.django_db
class TestWhichLanguage:
    def test_the_sign_in_page_follows_accept_language_else_english(self):
        german = Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
        assert german["Content-Language"] == "de"
        assert '<label for="language-switcher">Sprache</label>' in german.content.decode()
        english = Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE="fr")  # not offered: the site's language
        assert english["Content-Language"] == "en"
        assert '<label for="language-switcher">Language</label>' in english.content.decode()
        assert "Accept-Language" in english["Vary"]

    def test_the_switcher_sets_the_language_for_the_next_pages(self):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        switched = client.post("/i18n/setlang/", {"language": "de", "next": LOGIN})
        assert switched.status_code == 302 and switched["Location"] == LOGIN
        assert client.get(LOGIN)["Content-Language"] == "de"

    def test_a_persons_own_language_beats_the_browser(self, alice):
        alice.language = "de"
        alice.save()
        page = signed_in(alice, HTTP_ACCEPT_LANGUAGE="en").get(PROFILE)
        assert page["Content-Language"] == "de"
        assert '<h1 id="profile-title">Profil</h1>' in page.content.decode()

    def test_without_a_choice_the_browser_decides(self, alice):
        assert alice.language == ""
        page = signed_in(alice, HTTP_ACCEPT_LANGUAGE="de").get(PROFILE)
        assert '<h1 id="profile-title">Profil</h1>' in page.content.decode()

    def test_nothing_after_a_request_runs_in_its_language(self):
        Client().get(LOGIN, HTTP_ACCEPT_LANGUAGE="de")
        assert translation.get_language() == "en-us"


@pytest.mark.django_db
class TestProfile:
    def test_the_profile_page_saves_the_language(self, alice):
        client = signed_in(alice, HTTP_ACCEPT_LANGUAGE="en")
        saved = client.post(PROFILE, {"language": "de"}, follow=True)
        assert "Ihre Sprache ist gespeichert." in saved.content.decode()
        alice.refresh_from_db()
        assert alice.language == "de"

    def test_the_profile_page_refuses_a_language_not_offered(self, alice):
        refused = signed_in(alice).post(PROFILE, {"language": "fr"})
        assert refused.status_code == 400
        alice.refresh_from_db()
        assert alice.language == ""

    def test_users_me_reads_and_sets_the_language(self, api, alice):
        assert api(alice).get(ME).json()["language"] == ""
        changed = api(alice).patch(ME, {"language": "de"}, format="json")
        assert changed.status_code == 200 and changed.json()["language"] == "de"
        back = api(alice).patch(ME, {"language": ""}, format="json")
        assert back.json()["language"] == ""

    def test_users_me_names_the_field_of_an_unknown_language(self, api, alice):
        refused = api(alice).patch(ME, {"language": "klingon"}, format="json")
        assert refused.status_code == 400
        assert list(refused.json()["errors"]) == ["language"]


@pytest.mark.django_db
class TestApiMessages:
    """Acceptance 2: an API error speaks the person's language, whatever the client asks."""

    def test_a_german_speaker_gets_german_errors_with_a_jwt(self, api, alice):
        alice.language = "de"
        alice.save()
        wrong = api(alice).post(PASSWORD, {"old_password": "nope", "new_password": "x" * 20}, HTTP_ACCEPT_LANGUAGE="en")
        assert wrong.status_code == 400
        assert wrong["Content-Language"] == "de"
        assert wrong.json()["detail"] == "Das aktuelle Passwort ist falsch."

    def test_an_english_speaker_gets_english_errors(self, api, alice):
        alice.language = "en"
        alice.save()
        wrong = api(alice).post(PASSWORD, {"old_password": "nope", "new_password": "x" * 20}, HTTP_ACCEPT_LANGUAGE="de")
        assert wrong.json()["detail"] == "The current password is wrong."

    def test_a_time_entry_ending_before_it_starts_is_refused_in_the_persons_language(
        self, frozen_2026_11_12, api, alice, dave, acme
    ):
        dave.language = "de"
        dave.save()
        body = {"project": acme.pk, "start": "2026-11-10T10:00:00Z", "end": "2026-11-10T09:00:00Z"}
        english = api(alice).post(ENTRIES, body, format="json")
        german = api(dave).post(ENTRIES, body, format="json")
        assert english.status_code == german.status_code == 400
        assert english.json()["detail"] == "The end must be after the start."
        assert list(german.json()["errors"]) == ["end"] and german["Content-Language"] == "de"
        with translation.override("de"):
            assert german.json()["detail"] == translation.gettext("The end must be after the start.")


def test_weeks_start_on_monday_in_both_languages():
    for language in ("en", "de"):
        with translation.override(language):
            assert get_format("FIRST_DAY_OF_WEEK") == 1


@pytest.mark.django_db
def test_decimal_hours_take_the_languages_separator():
    from decimal import Decimal

    from django.template import Context, Template

    template = Template("{{ hours }}")
    for language, shown in (("en", "7.50"), ("de", "7,50")):
        with translation.override(language):
            assert template.render(Context({"hours": Decimal("7.50")})) == shown


class TestCatalogueCheck:
    """Acceptance 4: CI (`make messages-check`) fails on a new string nobody translated, and on
    a fuzzy one; it runs on a copy of the sources."""

    @pytest.fixture
    def sources(self, tmp_path) -> Path:
        copy = tmp_path / "src"
        skip = shutil.ignore_patterns(
            ".venv",
            ".git",
            "__pycache__",
            "*.mo",
            "db.sqlite3",
            "staticfiles",
            "media",
            "test-artifacts",
            "bench",
            "docs",
        )
        shutil.copytree(settings.BASE_DIR, copy, ignore=skip)
        return copy

    def test_a_new_untranslated_string_fails_the_check(self, sources):
        (sources / "core" / "added_for_the_test.py").write_text(
            "from django.utils.translation import gettext\n\n\n"
            'def hello():\n    return gettext("A sentence nobody translated.")\n'
        )
        problems = catalogue_problems(sources)
        core_catalogue = sources / "core" / "locale" / "de" / "LC_MESSAGES" / "django.po"
        assert f"{core_catalogue}: out of date, run `make messages` and translate what it adds" in problems

    def test_a_fuzzy_or_missing_translation_fails_the_check(self, sources):
        po = sources / "users" / "locale" / "de" / "LC_MESSAGES" / "django.po"
        assert incomplete(po) == []
        text = po.read_text(encoding="utf-8")
        text = text.replace('msgid "Profile"\nmsgstr "Profil"', '#, fuzzy\nmsgid "Profile"\nmsgstr "Profil"')
        text = text.replace('msgid "Switch"\nmsgstr "Wechseln"', 'msgid "Switch"\nmsgstr ""')
        po.write_text(text, encoding="utf-8")
        assert incomplete(po) == [f"{po}: 1 fuzzy", f"{po}: 1 untranslated"]
