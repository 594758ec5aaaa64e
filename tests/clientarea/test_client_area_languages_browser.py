"""The client area in German and in French in real headless Chromium: the WHMCS client's
language, or the browser's; figures and days in the language's conventions; longer words
still fit a phone."""

import pytest

from tests.browser_fixtures import screenshot
from tests.client_area_links import client_area_link
from tests.clientarea.test_client_area_browser import browsed_service
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = {
    # code: (WHMCS language, browser locale, headings, usage figures, Control Panel button)
    "de": (
        "german",
        "en-US",  # the WHMCS client's language wins over the browser's
        ["Website verwalten", "Konto", "Nutzung", "Letzte 30 Tage"],
        ["120 MB von 1,05 GB · 11 %", "8,60 GB von 10,5 GB · 82 %"],
        "Zum Control Panel",
    ),
    "fr": (
        "",
        "fr-FR",  # no language in WHMCS: the browser's
        ["Gérer votre site web", "Compte", "Consommation", "30 derniers jours"],
        ["120 Mo sur 1,05 Go · 11 %", "8,60 Go sur 10,5 Go · 82 %"],
        "Panneau de contrôle",
    ),
}


@pytest.fixture
def service_in(panel):
    def make(whmcs_language: str):
        return browsed_service(panel, client=ClientFactory(language=whmcs_language))

    return make


def visible_text(locator) -> str:
    # Non-breaking spaces (before % in both languages) read as spaces.
    return " ".join(locator.inner_text().split())


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_page_reads_in_the_clients_language(live_server, panel, browser, service_in, language):
    whmcs_language, locale, headings, figures, button = LANGUAGES[language]
    service = service_in(whmcs_language)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    try:
        page = context.new_page()
        response = page.goto(live_server.url + client_area_link(service.whmcs_id))
        assert response.status == 200
        assert page.evaluate("document.documentElement.lang") == language
        assert page.get_by_role("heading", level=2).all_inner_texts() == headings
        usage = page.locator("section", has=page.get_by_role("heading", name=headings[2]))
        for figure in figures:
            assert figure in visible_text(usage)
        ticks = page.locator("svg.history-chart text.tick").all_text_contents()
        assert ticks[-1].endswith(" GB" if language == "de" else " Go")
        screenshot(page, f"client-area-{language}")

        with context.expect_page() as opened:
            page.get_by_role("button", name=button).click()
        panel_tab = opened.value
        panel_tab.wait_for_url(f"{panel.url}/client/index.php")
        assert "logged in as xn--bcher-kva.example" in panel_tab.content()
    finally:
        context.close()


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_translated_page_still_fits_a_phone(live_server, browser, service_in, language):
    whmcs_language, locale, *_ = LANGUAGES[language]
    service = service_in(whmcs_language)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale=locale
    )
    try:
        phone = context.new_page()
        phone.goto(live_server.url + client_area_link(service.whmcs_id))
        assert phone.evaluate("document.documentElement.lang") == language
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, f"client-area-phone-{language}")
    finally:
        context.close()
