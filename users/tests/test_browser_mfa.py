"""Two-factor sign-in in a real Chromium: bob, a manager who must enrol, is sent from the team
page to the enrolment page, scans (reads) the key, confirms with a code, sees his recovery
codes once, and later signs in with one of them, using the keyboard to open that form. No
CSP violation on the way (the QR code is a data: SVG image, the pages have no script).

Time is not frozen here (the live server runs in another thread): the code is the current one."""

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QR_DRAWN = "() => { const img = document.querySelector('img.qr'); return img.complete && img.naturalWidth > 0; }"


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/timesheet/team/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_manager_enrols_sees_the_recovery_codes_once_and_signs_in_with_one(
    live_server, page, settings, bob, password
):
    settings.MFA_REQUIRED_ROLES = ["manager", "admin"]
    console_errors, page_errors = [], []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    base = live_server.url

    sign_in(page, base, bob.email, password)
    page.wait_for_url(f"{base}/accounts/two-factor/?next=%2Ftimesheet%2Fteam%2F")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code that adds Time Tracker to your authenticator app")).to_be_visible()
    page.wait_for_function(QR_DRAWN)
    typed = page.get_by_test_id("mfa-secret").inner_text().replace(" ", "")
    key = base64.b32decode(typed + "=" * (-len(typed) % 8))

    code_box = page.get_by_label("Code from your authenticator app")
    assert code_box.get_attribute("autocomplete") == "one-time-code"
    assert code_box.get_attribute("inputmode") == "numeric"
    code_box.fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = page.get_by_test_id("recovery-codes").locator("code")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    page.get_by_role("link", name="I have saved them: continue").click()
    page.wait_for_url(f"{base}/timesheet/team/")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, bob.email, password)
    page.wait_for_url(f"{base}/accounts/login/code/?next=%2Ftimesheet%2Fteam%2F")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # nothing to reach yet
    page.get_by_text("Lost your phone? Use a recovery code").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Recovery code").fill(recovery)
    page.get_by_role("button", name="Use recovery code").click()
    page.wait_for_url(f"{base}/timesheet/team/")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    assert [text for text in console_errors if "Content Security Policy" in text] == []
    assert console_errors == []
    assert page_errors == []
