"""Issue 20: every page and every admin changelist, asked for in German (`Accept-Language: de`),
shows no known English UI word and no English sentence of our catalogues.

Today is Monday 2 March 2026. Alice (team A, managed by Bob) has time on Monday, an open
violation, her week of 16 February submitted and a vacation request pending; Carol is an admin.
The page text is what a person reads or hears: text nodes and the attributes a screen reader
speaks (aria-label, alt, title, placeholder), not scripts or the data embedded for them."""

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import translation

from compliance.tests.factories import violation_of
from leave import services as leave_services
from timeentries.models import Timesheet
from timeentries.services import time_entry_create

pytestmark = pytest.mark.django_db

# Words of our interface that a German page never shows (case-sensitive, whole words).
ENGLISH_UI_WORDS = (
    "Submit", "Submitted", "Approve", "Approved", "Reject", "Rejected", "Hours", "Leave", "Save",
    "Delete", "Cancel", "Edit", "Add", "Remove", "Search", "Sign", "Timesheet", "Week", "Your",
    "Reason", "Comment", "Download", "Upload", "Nothing", "Nobody", "Please", "Balance", "Total",
)  # fmt: skip
SPOKEN_ATTRIBUTES = {"aria-label", "alt", "title", "placeholder"}
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s|\{\w+\}")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skipping += 1
        self.parts += [value for name, value in attrs if name in SPOKEN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def page_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _po_entries(po: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of the singular entries of a catalogue."""
    entries = []
    for block in po.read_text(encoding="utf-8").split("\n\n")[1:]:
        if "msgid_plural" in block:
            continue
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            entries.append((_unquote(msgid.group(1)), _unquote(msgstr.group(1))))
    return entries


def _unquote(lines: str) -> str:
    return "".join(re.findall(r'^"(.*)"$', lines, re.M)).replace('\\"', '"').replace("\\\\", "\\")


def english_sentences() -> list[str]:
    """Our catalogues' English phrases of two words or more that German says differently; the
    parts between placeholders, so "Submit week %(week)s for approval" is found around its week."""
    found = set()
    for po in [Path(settings.BASE_DIR) / "locale", *Path(settings.BASE_DIR).glob("*/locale")]:
        for path in po.glob("de/LC_MESSAGES/django.po"):
            for msgid, msgstr in _po_entries(path):
                if msgid == msgstr:
                    continue
                for part in PLACEHOLDER.split(re.sub(r"<[^>]+>", " ", msgid)):
                    part = " ".join(part.split()).strip(" ,.:;")
                    if len(part.split()) >= 2:
                        found.add(part)
    return sorted(found)


def english_on(html: str, sentences: list[str]) -> list[str]:
    text = page_text(html)
    words = [word for word in ENGLISH_UI_WORDS if re.search(rf"\b{word}\b", text)]
    return words + [sentence for sentence in sentences if sentence in text]


@pytest.fixture
def alice_s_month(frozen_2026_03_02, alice, bob, carol, vacation, acme):
    # The audit log keeps each object's name as it read when written: German speakers wrote these.
    with translation.override("de"):
        _alice_s_month(alice, vacation, acme)


def _alice_s_month(alice, vacation, acme):
    leave_services.leave_accrue_year(year=2026)
    time_entry_create(
        actor=alice, project=acme, task=None, day=date(2026, 3, 2), duration=timedelta(hours=6), billable=True
    )
    time_entry_create(
        actor=alice, project=acme, task=None, day=date(2026, 2, 16), duration=timedelta(hours=8), billable=True
    )
    submitted = {"status": Timesheet.Status.SUBMITTED, "submitted_at": datetime(2026, 2, 23, 9, tzinfo=UTC)}
    Timesheet.objects.filter(user=alice, week_start=date(2026, 2, 16)).update(**submitted)
    leave_services.leave_request_create(
        actor=alice, leave_type=vacation, start_date=date(2026, 3, 16), end_date=date(2026, 3, 20)
    )
    # The finding's message is stored data here; its wording is the compliance catalogue's to test.
    violation_of(alice, day=date(2026, 3, 2), message="Ruhezeit unterschritten.")


def german(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    if user is not None:
        client.force_login(user)
    return client


def pages_of(alice, bob) -> dict[str, list[str]]:
    reports = reverse("reports-page")
    return {
        "alice": [
            reverse("timesheet"),
            reverse("timesheet-day", kwargs={"day": date(2026, 3, 2)}),
            reverse("leave"),
            reverse("my-contract"),
            reverse("dashboard"),
            *[f"{reports}?report={report}" for report in ("time", "overtime", "leave")],
            reverse("imports-page"),
            reverse("search-page") + "?q=Acme",
            reverse("mfa"),
            reverse("logout"),
            "/no-such-page/",
        ],
        "bob": [
            reverse("timesheet-team"),
            reverse("timesheet-member", kwargs={"user_id": alice.pk}) + "?week=2026-W08",
            reverse("approvals-page"),
            reverse("leave-team") + "?month=2026-03",
            reverse("compliance") + "?week=2026-W10",
            reverse("user-contract", kwargs={"user_id": alice.pk}),
            reverse("reports-page") + "?report=payroll&month=2026-02",
        ],
    }


def test_the_sign_in_page_is_german_for_a_german_browser():
    response = german().get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert "Anmelden" in page_text(html)
    assert english_on(html, english_sentences()) == []


def test_every_page_is_german_for_a_german_browser(alice_s_month, alice, bob):
    sentences = english_sentences()
    clients = {"alice": german(alice), "bob": german(bob)}
    english = {}
    for who, paths in pages_of(alice, bob).items():
        for path in paths:
            response = clients[who].get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            assert response["Content-Language"] == "de", path
            if found := english_on(response.content.decode(), sentences):
                english[f"{who} {path}"] = found

    assert english == {}


def test_every_admin_changelist_is_german(alice_s_month, carol):
    sentences = english_sentences()
    client = german(carol)
    paths = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    english = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        if found := english_on(response.content.decode(), sentences):
            english[path] = found

    assert english == {}


def test_the_check_finds_an_english_word_and_an_untranslated_sentence():
    html = '<p>Stunden</p><button aria-label="Submit week 2026-W10 for approval">Einreichen</button>'

    assert english_on(html, ["Submit week", "for approval"]) == ["Submit", "Submit week", "for approval"]
    assert english_on("<p>Woche 2026-W10 zur Freigabe einreichen</p>", ["Submit week"]) == []
