"""Issue 20's leftovers on wording: refusals are whole translated sentences (no phrase glued
into a frame), and the catalogues keep the glossary's one term for a manager."""

from datetime import date

import pytest
from django.conf import settings
from django.utils import translation

from core.catalog import catalog_save
from core.catalogues import catalogue_files
from core.errors import Forbidden
from timeentries.models import Project, Timesheet
from timeentries.services import timesheet_reject
from users.services import team_create

SHEETS = "/api/v1/timesheets"


def speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


@pytest.mark.django_db
class TestWholeSentences:
    @pytest.mark.parametrize(
        ("language", "detail"),
        [("de", "Sie können Ihre eigene Woche nicht genehmigen."), ("en", "You cannot approve your own week.")],
    )
    def test_approving_ones_own_week(self, api, bob, language, detail):
        sheet = Timesheet.objects.create(user=bob, week_start=date(2026, 11, 9), status=Timesheet.Status.SUBMITTED)
        refused = api(speaking(bob, language)).post(f"{SHEETS}/{sheet.pk}/approve")
        assert (refused.status_code, refused.json()["detail"]) == (403, detail)

    @pytest.mark.parametrize(
        ("language", "detail"),
        [
            ("de", "Nur die Vorgesetzten von Alice Tester oder die Administration dürfen diese Woche ablehnen."),
            ("en", "Only Alice Tester's manager or an admin can reject this week."),
        ],
    )
    def test_rejecting_the_week_of_someone_one_does_not_manage(self, alice, erin, language, detail):
        alice.last_name = "Tester"
        alice.save(update_fields=["last_name"])
        sheet = Timesheet.objects.create(user=alice, week_start=date(2026, 11, 9), status=Timesheet.Status.SUBMITTED)
        with translation.override(language), pytest.raises(Forbidden) as refused:
            timesheet_reject(timesheet_id=sheet.pk, actor=erin, comment="no")
        assert str(refused.value.detail) == detail

    @pytest.mark.parametrize(
        ("language", "detail"),
        [("de", "Nur die Administration darf Teams anlegen."), ("en", "Only admins can create teams.")],
    )
    def test_an_admin_only_write(self, bob, language, detail):
        with translation.override(language), pytest.raises(Forbidden) as refused:
            team_create(actor=bob, name="Team C")
        assert str(refused.value.detail) == detail

    @pytest.mark.parametrize(
        ("language", "detail"),
        [("de", "Nur die Administration darf Projekte ändern."), ("en", "Only admins can change projects.")],
    )
    def test_a_catalogue_write_names_the_catalogue_in_the_readers_language(self, bob, language, detail):
        with translation.override(language), pytest.raises(Forbidden) as refused:
            catalog_save(actor=bob, instance=Project(), name="Secret")
        assert str(refused.value.detail) == detail


def test_the_catalogues_call_a_manager_vorgesetzte_never_teamleitung():
    """locale/GLOSSARY.md: one German term for a manager."""
    offending = []
    for po in catalogue_files(settings.BASE_DIR):
        msgstrs = [line for line in po.read_text(encoding="utf-8").splitlines() if not line.startswith(("#", "msgid"))]
        offending += [f"{po}: {line}" for line in msgstrs if "Teamleitung" in line]
    assert offending == []
