"""Imports in German: the errors an import keeps are written in its owner's language (the
task has no browser to ask), refusals and the page in the language of the request."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.tests.helpers import ENTRY_HEADER, IMPORTS, upload

pytestmark = pytest.mark.usefixtures("media_in_tmp", "frozen_2026_11_12")


def speaks_german(user):
    user.language = "de"
    user.save(update_fields=["language"])
    return user


def test_a_german_owners_import_keeps_german_row_errors(api, alice, acme, django_capture_on_commit_callbacks):
    rows = (
        ENTRY_HEADER,
        "alice@example.com,ACMEE,,2026-11-10 09:00,2026-11-10 10:00,,,,Typo in the project",
        "alice@example.com,ACME,,,,2026-11-31,1:30,,No such day",
    )

    response, found = upload(api(speaks_german(alice)), django_capture_on_commit_callbacks, "time_entries", *rows)

    assert response.status_code == 202, response.json()
    assert found["status"] == "invalid"
    assert found["errors"] == [
        {"row": 2, "field": "project", "message": "Kein Projekt 'ACMEE'. Meinten Sie 'acme'?"},
        {"row": 3, "field": "day", "message": "„2026-11-31“ ist kein Datum (erwartet: JJJJ-MM-TT oder TT.MM.JJJJ)."},
    ]


def test_an_english_owners_import_keeps_english_row_errors_whatever_the_browser(
    api, alice, acme, django_capture_on_commit_callbacks
):
    alice.language = "en"
    alice.save(update_fields=["language"])
    client = api(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"  # the browser asks for German; the task does not see it
    rows = (ENTRY_HEADER, "alice@example.com,ACMEE,,2026-11-10 09:00,2026-11-10 10:00,,,,Typo")

    _, found = upload(client, django_capture_on_commit_callbacks, "time_entries", *rows)

    assert found["errors"] == [{"row": 2, "field": "project", "message": "No project 'ACMEE'. Did you mean 'acme'?"}]


def test_a_refused_upload_answers_in_german(api, alice):
    body = {"file": SimpleUploadedFile("notes.xls", b"\xd0\xcf\x11\xe0"), "kind": "time_entries", "time_zone": "Mars"}

    response = api(speaks_german(alice)).post(IMPORTS, body, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == {"time_zone": ["Unbekannte Zeitzone 'Mars'; geben Sie einen IANA-Namen an."]}


def test_people_imports_are_refused_to_employees_in_german(api, alice):
    file = SimpleUploadedFile("people.csv", b"email,first_name\n")

    response = api(speaks_german(alice)).post(IMPORTS, {"file": file, "kind": "users"}, format="multipart")

    assert response.status_code == 403
    assert "Personen importieren" in response.json()["detail"]


def test_the_upload_form_is_labelled_in_german(client, alice):
    client.force_login(speaks_german(alice))

    page = client.get("/imports/").content.decode()

    assert "Datei (CSV oder XLSX)" in page and "Inhalt der Datei" in page
    assert "Zeiteinträge" in page and "Abwesenheiten" in page


def test_the_admins_changelists_of_imports_and_webhooks_are_german(
    client, api, carol, acme, django_capture_on_commit_callbacks
):
    upload(api(carol), django_capture_on_commit_callbacks, "projects", "code,name", "NEW,New project")
    client.force_login(speaks_german(carol))

    imports = client.get("/admin/imports/import/").content.decode()
    deliveries = client.get("/admin/webhooks/webhookdelivery/").content.decode()

    assert "Dateiname" in imports and "Importierte Zeilen" in imports and "Projekte" in imports
    assert "Webhook-Zustellung zum Ansehen auswählen" in deliveries
