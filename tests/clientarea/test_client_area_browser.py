"""The client area in real headless Chromium: signed link → page → one click into the panel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from provisioning.models import UsageSample
from tests.browser_fixtures import screenshot
from tests.client_area_links import client_area_link
from tests.factories import ProductFactory, ServerFactory, ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Customer-pass-1"


def browsed_service(panel, **service_fields):
    """An active account on the emulated panel with 30 days of history (two missing)."""
    panel.state.seed_customer("bücher.example", password=PASSWORD)
    service = ServiceFactory(
        server=ServerFactory(hostname=panel.host_port, secure=False),
        product=ProductFactory(name="Web Hosting Plus", plan_name="Basic"),
        domain="bücher.example",
        domain_ascii="xn--bcher-kva.example",
        password=PASSWORD,
        status="active",
        disk_usage=120,
        disk_limit=1000,
        bw_usage=8600,
        bw_limit=10000,
        usage_updated_at=timezone.now(),
        **service_fields,
    )
    today = timezone.localdate()
    UsageSample.objects.bulk_create(
        UsageSample(
            service=service,
            day=today - timedelta(days=age),
            disk_usage=120 - age * 2,
            bw_usage=max(8600 - age * 290, 0),
        )
        for age in range(0, 30)
        if age not in (12, 13)
    )
    return service


@pytest.fixture
def service(panel):
    return browsed_service(panel)


@pytest.fixture
def csp_violations(page):
    messages = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return messages


def test_a_signed_link_opens_the_page_and_the_control_panel(
    live_server, panel, page, service, csp_violations
):
    response = page.goto(live_server.url + client_area_link(service.whmcs_id))
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "bücher.example"
    usage = page.locator("section", has=page.get_by_role("heading", name="Usage"))
    assert "120 MB of 1.05 GB · 11%" in usage.inner_text()
    assert "8.60 GB of 10.5 GB · 82%" in usage.inner_text()
    assert page.locator("svg.history-chart").count() == 2
    # The stylesheet is served and allowed by the policy.
    button = page.get_by_role("button", name="Control Panel")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(29, 78, 216)"
    screenshot(page, "client-area-desktop")

    with page.context.expect_page() as opened:
        button.click()
    panel_tab = opened.value
    panel_tab.wait_for_url(f"{panel.url}/client/index.php")
    assert "logged in as xn--bcher-kva.example" in panel_tab.content()
    assert PASSWORD not in page.content()
    panel_tab.close()
    assert csp_violations == []


@pytest.mark.parametrize(
    ("name", "path", "title"),
    [
        ("File manager", "/ftp", "File manager"),
        ("phpMyAdmin", "/pma", "phpMyAdmin"),
        ("Webmail", "/webmail", "Webmail"),
    ],
)
def test_the_tool_buttons_open_the_panels_tools_in_a_new_tab(
    live_server, panel, page, service, name, path, title
):
    page.goto(live_server.url + client_area_link(service.whmcs_id))
    with page.context.expect_page() as opened:
        page.get_by_role("link", name=name).click()
    tool = opened.value
    tool.wait_for_load_state()
    assert tool.url == f"{panel.url}{path}"
    assert tool.title() == f"i-MSCP - {title}"


def test_a_tampered_link_gets_the_refusal_page(live_server, page, service):
    link = client_area_link(service.whmcs_id)
    response = page.goto(live_server.url + link[:-2] + ("00" if not link.endswith("00") else "11"))
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "This page cannot be shown"
    assert "bücher" not in page.content()
    screenshot(page, "client-area-refused")


def test_the_page_fits_a_phone(live_server, browser, service):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="en-US"
    )
    try:
        phone = context.new_page()
        phone.goto(live_server.url + client_area_link(service.whmcs_id))
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        screenshot(phone, "client-area-phone")
        phone.keyboard.press("Tab")
        assert phone.evaluate("document.activeElement.textContent") == "Skip to content"
    finally:
        context.close()


def test_a_suspended_account_shows_its_state_and_a_disabled_button(live_server, page, service):
    service.status = "suspended"
    service.save()
    page.goto(live_server.url + client_area_link(service.whmcs_id))
    assert page.get_by_role("button", name="Control Panel").is_disabled()
    assert "suspended" in page.locator("#sso-refusal").inner_text()
    screenshot(page, "client-area-suspended")
