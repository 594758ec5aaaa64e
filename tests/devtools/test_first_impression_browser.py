"""What a newcomer sees of the demo, in real headless Chromium: the admin names the
product, sizes read in one unit system everywhere, the chart's axis labels are distinct,
long IDN domains wrap between labels. The pictures of docs/images/ come from here:

    make screenshots    (KAZI_DOCS_SCREENSHOTS=1: saved to docs/images/, else test-artifacts/)
"""

import os
import re
from pathlib import Path

import pytest

from provisioning.models import Service
from tests.admin.test_admin_browser import admin_login
from tests.browser_fixtures import screenshot
from tests.client_area_links import client_area_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
LONG_IDN = "bäckerei-müller-und-söhne.ferienwohnungen-überlingen.example"
SIZE = re.compile(r"\b\d[\d,.]* ?(kB|MB|GB|TB|MiB|GiB|KiB|TiB)\b")
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}  # an operator's screen: the list has eight columns


def picture(page, name: str, *, full_page: bool = True) -> None:
    """A README picture when asked for (make screenshots), else a test artifact."""
    if os.environ.get("KAZI_DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS_IMAGES / f"{name}.png"), full_page=full_page)
    else:
        screenshot(page, f"first-impression-{name}")


def units_in(text: str) -> set[str]:
    return {match.group(1) for match in SIZE.finditer(text)}


def test_the_dashboard_names_the_product_and_shows_what_needs_attention(live_server, demo, page):
    admin_login(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    assert page.title() == "Dashboard | kaziwhmcs"
    assert page.locator("#site-name").inner_text() == "kaziwhmcs · i-MSCP provisioning"
    assert "Django" not in page.locator("#header").inner_text()
    cards = {
        card.locator("h2").inner_text(): card.inner_text()
        for card in page.locator(".kz-card").all()
    }
    assert re.search(r"Active\s+8", cards["Services by status"])
    assert re.search(r"Failed\s+1", cards["Operations in the last 24 hours"])
    assert re.search(r"still pending\s+1", cards["Billing says suspended, panel says active"])
    assert re.search(r"On the panel only\s+1", cards["Last reconciliation with the panels"])
    picture(page, "dashboard")


def test_the_service_list_and_the_client_area_show_the_same_figures(live_server, demo, page):
    page.set_viewport_size(WIDE)
    admin_login(page, live_server)
    page.goto(f"{live_server.url}/admin/provisioning/service/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 12
    listed = page.locator("#result_list").inner_text()
    assert units_in(listed) <= {"kB", "MB", "GB", "TB"}
    # Every column fits the page: the long IDN domain wraps between its labels.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    idn = label_lines(page, f"#result_list a:has-text('{LONG_IDN.split('.')[0]}') .domain-wrap")
    assert idn["lines"] == [1, 1, 1] and len(set(idn["tops"])) > 1
    row = rows.filter(has_text="shop.example.com")
    disk_cell = row.locator("td.field-disk").inner_text()
    picture(page, "service-list")

    shop = Service.objects.get(domain="shop.example.com")
    page.goto(live_server.url + client_area_link(shop.whmcs_id))
    usage = page.locator("section", has=page.get_by_role("heading", name="Usage")).inner_text()
    # The admin's "640 MB of 1.05 GB" is the client's "640 MB of 1.05 GB · 61%".
    figures = re.search(r"(\S+ [kMGT]B of \S+ [kMGT]B)", disk_cell).group(1)
    assert f"{figures} · " in usage
    assert units_in(usage) <= {"kB", "MB", "GB", "TB"}


def test_a_service_page_in_the_admin(live_server, demo, page):
    admin_login(page, live_server)
    # The one whose suspension is still owed: its journal tells the most.
    service = Service.objects.get(domain="late-payer.example.com")
    page.goto(f"{live_server.url}/admin/provisioning/service/{service.pk}/change/")
    assert page.locator(".kz-ops").get_by_text("Retrying").count() == 1
    on_panel = page.get_by_role("group", name="On the panel").inner_text()
    assert units_in(on_panel) == {"MB", "GB"}  # "283 MB of 1.05 GB"
    assert page.title().endswith("| kaziwhmcs")
    picture(page, "service-page")


def chart_ticks(page) -> list[list[str]]:
    return [
        [tick.text_content() for tick in chart.locator("text.tick").all()]
        for chart in page.locator("svg.history-chart").all()
    ]


def test_the_client_area_on_a_desktop(live_server, demo, page):
    service = Service.objects.get(domain=LONG_IDN)
    page.goto(live_server.url + client_area_link(service.whmcs_id))
    ticks = chart_ticks(page)
    assert len(ticks) == 2
    for labels in ticks:
        assert labels[0] == "0" and len(labels) >= 3
        assert len(set(labels)) == len(labels)  # no repeated label
        assert len(units_in(" ".join(labels))) == 1  # one unit per axis
    fact = label_lines(page, ".fact-wide dd")
    assert fact["lines"] == [1, 1, 1] and len(set(fact["tops"])) == 1  # room for it whole
    picture(page, "client-area-desktop")
    history = page.locator("section", has=page.get_by_role("heading", name="Last 30 days"))
    page.get_by_text("Show the figures as a table").click()
    assert units_in(history.inner_text()) <= {"kB", "MB", "GB", "TB"}
    assert history.locator("tbody tr").count() == 30


def label_lines(page, selector: str) -> dict:
    """Where the browser put each label of a domain: its line's top and how many lines
    the label itself takes."""
    return page.locator(selector).evaluate(
        """element => {
            const height = parseFloat(getComputedStyle(element).lineHeight);
            const labels = [...element.querySelectorAll('.domain-label')];
            return {
                text: element.innerText,
                tops: labels.map(l => Math.round(l.getBoundingClientRect().top)),
                lines: labels.map(l => Math.round(l.getBoundingClientRect().height / height)),
                overflow: document.documentElement.scrollWidth > window.innerWidth,
            };
        }"""
    )


def test_the_client_area_on_a_phone_wraps_the_domain_between_labels(browser, live_server, demo):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, locale="en-US"
    )
    page = context.new_page()
    try:
        service = Service.objects.get(domain=LONG_IDN)
        page.goto(live_server.url + client_area_link(service.whmcs_id))
        heading = label_lines(page, "h1.domain")
        assert heading["text"] == LONG_IDN  # copied as it is: no added space or hyphen
        assert heading["lines"] == [1, 1, 1]  # no label broken across lines...
        assert len(set(heading["tops"])) > 1  # ...yet the domain wraps, at its dots
        assert not heading["overflow"]
        fact = label_lines(page, ".fact-wide dd")
        assert fact["lines"] == [1, 1, 1] and len(set(fact["tops"])) > 1
        ascii_form = label_lines(page, ".page-head p.muted:first-of-type")
        assert ascii_form["text"] == service.domain_ascii
        assert set(ascii_form["lines"]) == {1}
        assert len(chart_ticks(page)) == 2
        picture(page, "client-area-phone")
    finally:
        context.close()
