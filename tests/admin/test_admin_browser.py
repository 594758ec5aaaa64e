"""The console in real headless Chromium, against the live server, a worker and the panel."""

import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from provisioning.models import Attempt, Operation, Service
from tests.browser_fixtures import screenshot
from tests.factories import (
    ClientFactory,
    OperationFactory,
    ProductFactory,
    ServerFactory,
    ServiceFactory,
)
from tests.worker_fixtures import wait_until

pytestmark = [pytest.mark.browser]

# Playwright's sync API keeps an event loop running in the test thread, and Django then
# refuses database calls from it (and from pytest-django's set-up and tear-down).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def admin_login(page, live_server) -> None:
    User.objects.create_superuser("operator", "op@example.com", "operator-pass-1")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "operator-pass-1")
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")


def test_login_to_control_panel_opens_the_panel_as_the_reseller(live_server, panel, page):
    server = ServerFactory(name="Panel one", hostname=panel.host_port)
    admin_login(page, live_server)
    page.goto(f"{live_server.url}/admin/provisioning/server/{server.pk}/change/")
    with page.context.expect_page() as opened:
        page.click("button:has-text('Login to control panel')")
    panel_tab = opened.value
    panel_tab.wait_for_load_state()
    panel_tab.wait_for_selector("text=logged in as reseller1")
    assert panel_tab.url.startswith(f"{panel.url}/reseller/")
    assert "reseller-secret-1" not in page.content()
    login = Operation.objects.get(command=Operation.Command.PANEL_LOGIN)
    assert login.requested_by == "admin operator"


def test_the_suspend_action_reaches_the_panel_through_the_worker(live_server, worker, panel, page):
    server = ServerFactory(name="Panel one", hostname=panel.host_port)
    panel.state.seed_customer("shop.example", password="Client-pass-123")
    service = ServiceFactory(server=server, domain="shop.example", status="active", on_panel=True)
    admin_login(page, live_server)
    page.goto(f"{live_server.url}/admin/provisioning/service/")
    page.check(f"input[name=_selected_action][value='{service.pk}']")
    page.select_option("select[name=action]", "suspend_accounts")
    page.click("button[name=index]")
    page.wait_for_selector("text=Suspend: 1 queued")
    try:
        wait_until(
            lambda: Service.objects.get(pk=service.pk).status == "suspended",
            message="the worker suspending the service",
        )
    except AssertionError:
        print(worker.output())
        raise
    page.reload()
    row = page.locator("#result_list tbody tr", has_text="shop.example")
    assert row.locator(".kz-badge").first.inner_text() == "Suspended"
    assert panel.state.customer("shop.example")["settled_status"] == "disabled"


def demo_data(panel) -> dict:
    now = timezone.now()
    main = ServerFactory(
        name="Frankfurt panel",
        hostname=panel.host_port,
        last_test_ok=True,
        last_test_at=now - timedelta(minutes=12),
        last_test_message="Connection OK: logged in as the reseller.",
    )
    ServerFactory(
        name="Legacy panel",
        hostname="legacy.example.net",
        secure=True,
        verify_tls=False,
        last_test_ok=False,
        last_test_at=now - timedelta(hours=2),
        last_test_message="KaziWhmcs: Bad password.",
    )
    basic = ProductFactory(name="Basic hosting", plan_name="Basic")
    pro = ProductFactory(name="Pro hosting", plan_name="Pro")
    people = [
        ClientFactory(firstname="Ada", lastname="Lovelace"),
        ClientFactory(firstname="Grace", lastname="Hopper", companyname="Navy Labs"),
        ClientFactory(firstname="Alan", lastname="Turing"),
    ]
    rows = [
        ("bücher.example", "xn--bcher-kva.example", "active", basic, 420, 1000, 3100, 10000),
        ("atelier-lumiere.fr", None, "active", pro, 7200, 10000, 51000, 0),
        ("grace-labs.io", None, "suspended", basic, 960, 1000, 9800, 10000),
        ("old-shop.example", None, "terminated", basic, None, None, None, None),
        ("new-order.example", None, "pending", pro, None, None, None, None),
        ("turing-notes.org", None, "active", basic, 12, 1000, 40, 10000),
    ]
    services = []
    for i, (domain, ascii_form, status, product, du, dl, bu, bl) in enumerate(rows):
        services.append(
            ServiceFactory(
                server=main,
                client=people[i % 3],
                product=product,
                domain=domain,
                domain_ascii=ascii_form or domain,
                status=status,
                on_panel=status in ("active", "suspended"),
                disk_usage=du,
                disk_limit=dl,
                bw_usage=bu,
                bw_limit=bl,
                usage_updated_at=now - timedelta(hours=3) if du is not None else None,
            )
        )
    for service, command, state, result in [
        (services[0], "CreateAccount", "succeeded", "success"),
        (services[1], "CreateAccount", "succeeded", "success"),
        (services[2], "SuspendAccount", "succeeded", "success"),
        (services[5], "SuspendAccount", "failed", "KaziWhmcs: Bad password."),
        (services[4], "CreateAccount", "retrying", "Connection to the panel failed: timed out"),
    ]:
        op = OperationFactory(
            service=service,
            command=command,
            state=state,
            result=result,
            attempts=1,
            created_at=now - timedelta(minutes=40),
            started_at=now - timedelta(minutes=40),
            finished_at=now - timedelta(minutes=40) + timedelta(milliseconds=850),
            requested_by="webhook whmcs-demo",
            source="webhook",
        )
        Attempt.objects.create(
            operation=op,
            number=1,
            started_at=op.started_at,
            finished_at=op.finished_at,
            outcome="succeeded" if state == "succeeded" else "transient",
            answer=result,
        )
    return {"server": main, "service": services[0]}


def test_screenshots_of_the_console_with_demo_data(live_server, panel, page):
    demo = demo_data(panel)
    page.set_viewport_size({"width": 1366, "height": 900})  # the most common laptop screen
    admin_login(page, live_server)
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector(".kz-dashboard")
    screenshot(page, "admin-dashboard")
    page.goto(f"{live_server.url}/admin/provisioning/service/")
    assert page.locator(".kz-badge").count() >= 6
    screenshot(page, "admin-service-list")
    page.goto(f"{live_server.url}/admin/provisioning/server/")
    screenshot(page, "admin-server-list")
    page.goto(f"{live_server.url}/admin/provisioning/server/{demo['server'].pk}/change/")
    page.click("button:has-text('Test connection')")
    page.wait_for_selector("text=Connection OK")
    screenshot(page, "admin-server-page")
    page.goto(f"{live_server.url}/admin/provisioning/service/{demo['service'].pk}/change/")
    link = page.input_value("#kz-client-link")
    assert link.startswith(f"{live_server.url}/client/services/")
    screenshot(page, "admin-service-page")
    page.goto(f"{live_server.url}/admin/provisioning/server/{demo['server'].pk}/sync-accounts/")
    screenshot(page, "admin-sync-accounts")
    failed = Operation.objects.get(state="failed")
    page.goto(f"{live_server.url}/admin/provisioning/operation/{failed.pk}/change/")
    screenshot(page, "admin-operation-page")
    page.goto(f"{live_server.url}/admin/provisioning/service/")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "terminate_accounts")
    page.click("button[name=index]")
    page.wait_for_selector("text=Yes, terminate 6 accounts")
    screenshot(page, "admin-terminate-confirmation")
    assert not Operation.objects.filter(command="TerminateAccount").exists()
