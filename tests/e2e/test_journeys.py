"""Journeys through the portal in a real browser (Debian's chromium, driven by Playwright)."""

import re

import pytest
from playwright.sync_api import Page, expect

from secretariat.security import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_a_person_signs_in_switches_language_and_signs_out(page: Page, create_user):
    user = create_user(Role.MAYOR)
    header = page.get_by_role("banner")

    # Sign in with the form, found by its labels.
    page.goto("/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    form = page.get_by_role("main")
    form.get_by_label("Email").fill(user.email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(header).to_contain_text(user.name)
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header.get_by_role("link", name="Sign in")).to_have_count(0)

    # Switch to Turkish in the header.
    header.get_by_role("link", name="Türkçe").click()
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(header.get_by_role("button", name="Çıkış yap")).to_be_visible()
    expect(header.get_by_role("link", name="Türkçe")).to_have_attribute("aria-current", "true")

    # The choice sticks on the next page, without ?lang= in the address.
    page.goto("/profile")
    expect(page).to_have_url(re.compile(r"/profile$"))
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(header).to_contain_text(user.name)
    sign_out = header.get_by_role("button", name="Çıkış yap")
    expect(sign_out).to_be_visible()

    # Sign out: the header offers the sign-in link again, still in Turkish.
    sign_out.click()
    expect(header.get_by_role("link", name="Giriş yap")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Çıkış yaptınız.")
    expect(header.get_by_role("button", name="Çıkış yap")).to_have_count(0)
    expect(header).not_to_contain_text(user.name)
    expect(page.locator("html")).to_have_attribute("lang", "tr")

    # The profile is closed again: it sends the browser to the sign-in page.
    page.goto("/profile")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fprofile$"))
    expect(page.get_by_role("status")).to_have_text("Bu sayfayı açmak için lütfen giriş yapın.")
    expect(page.get_by_role("main").get_by_role("button", name="Giriş yap")).to_be_visible()


def test_a_keyboard_user_meets_the_skip_link_first_and_the_landmarks(page: Page, live_server):
    page.goto("/")
    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_have_attribute("href", "#content")

    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("navigation", name="Language")).to_be_visible()

    # Following the skip link moves focus to the main content.
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
