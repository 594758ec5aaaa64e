"""The admin works in a real browser under the default Content-Security-Policy."""

import pytest

from tests.factories import ServiceFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module", autouse=True)
def allow_orm_beside_playwright():
    # Playwright's sync API runs an event loop in this thread; Django's ORM then refuses
    # to run (here, and in the database flush after the test) unless told it is safe.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def test_the_admin_logs_in_and_edits_without_a_csp_violation(live_server, admin_user, page):
    ServiceFactory(domain="csp.example.com")
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.goto(f"{live_server.url}/admin/provisioning/service/")
    page.click("text=csp.example.com")
    page.wait_for_selector("#service_form")
    # The admin's own scripts ran: the related-object widgets got their buttons.
    assert page.locator("#change_id_client").count() == 1
    page.goto(f"{live_server.url}/admin/provisioning/product/add/")
    page.fill("#id_whmcs_id", "999")
    page.fill("#id_plan_name", "Pro")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert violations == []
