"""Comparing the panel's accounts with the bridge's services, and adopting the panel's."""

import pytest
from django.urls import reverse

from provisioning.models import Service
from provisioning.panels.account_lists import NoTrustedList
from provisioning.panels.account_sync import ImportProblem, account_sync_report, accounts_import
from tests.admin_helpers import staff_user
from tests.factories import ClientFactory, ProductFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(server, panel):
    """Panel: bücher.example and both.example; bridge: both.example and bridge.example."""
    panel.state.seed_customer("bücher.example", disk_bytes=5_000_000)
    panel.state.seed_customer("both.example")
    panel.state.seed_customer("second.example")
    panel.state.seed_reseller("reseller2", "reseller-secret-2")
    panel.state.seed_plan("reseller2", "Basic")
    panel.state.seed_customer("theirs.example", reseller="reseller2")
    both = ServiceFactory(server=server, domain="both.example", status="active", on_panel=True)
    bridge = ServiceFactory(server=server, domain="bridge.example", status="active")
    ServiceFactory(server=server, domain="gone.example", status="terminated")
    return both, bridge


def sync_url(server) -> str:
    return reverse("admin:provisioning_server_sync_accounts", args=[server.pk])


def test_the_report_sorts_accounts_into_three_groups(server, accounts):
    both, bridge = accounts
    report = account_sync_report(server)
    assert [e.domain for e in report.panel_only] == ["bücher.example", "second.example"]
    assert report.bridge_only == [bridge]
    assert [service for service, _ in report.both] == [both]


def test_importing_creates_active_services_with_the_panels_usage(server, accounts):
    product, client = ProductFactory(), ClientFactory()
    (created,) = accounts_import(server, {"bücher.example": 9001}, product=product, client=client)
    assert (created.whmcs_id, created.domain, created.domain_ascii) == (
        9001,
        "bücher.example",
        "xn--bcher-kva.example",
    )
    assert (created.status, created.on_panel, created.disk_usage) == ("active", True, 5)
    assert created.password == ""


@pytest.mark.parametrize(
    ("wanted", "problem"),
    [
        ({"both.example": 9001}, "not an account of the panel alone"),
        ({"bücher.example": 9001, "second.example": 9001}, "its own WHMCS service id"),
        ({}, "choose at least one account"),
    ],
)
def test_a_bad_import_is_refused_whole(server, accounts, wanted, problem):
    before = Service.objects.count()
    with pytest.raises(ImportProblem, match=problem):
        accounts_import(server, wanted, product=ProductFactory(), client=ClientFactory())
    assert Service.objects.count() == before


def test_an_id_already_used_is_refused(server, accounts):
    both, _ = accounts
    with pytest.raises(ImportProblem, match=f"{both.whmcs_id} is already used"):
        accounts_import(
            server,
            {"bücher.example": both.whmcs_id},
            product=ProductFactory(),
            client=ClientFactory(),
        )


def test_the_sync_page_shows_the_groups_and_imports_checked_accounts(
    admin_client, server, accounts
):
    page = admin_client.get(sync_url(server)).content.decode()
    assert "On the panel only (2)" in page and "In the bridge only (1)" in page
    assert "In both (1)" in page
    product, client = ProductFactory(), ClientFactory()
    response = admin_client.post(
        sync_url(server),
        {
            "domain": ["bücher.example"],
            "whmcs_id:bücher.example": "9001",
            "product": product.pk,
            "client": client.pk,
        },
        follow=True,
    )
    assert "Imported 1 account(s)" in response.content.decode()
    assert Service.objects.get(whmcs_id=9001).client == client
    assert "On the panel only (1)" in response.content.decode()


def test_the_sync_page_refuses_an_import_without_a_service_id(admin_client, server, accounts):
    response = admin_client.post(
        sync_url(server),
        {
            "domain": ["bücher.example"],
            "product": ProductFactory().pk,
            "client": ClientFactory().pk,
        },
    )
    assert "Nothing imported" in response.content.decode()
    assert not Service.objects.filter(domain="bücher.example").exists()


def test_importing_needs_the_add_permission(client, server, accounts):
    client.force_login(staff_user("view_server", "view_service"))
    assert client.get(sync_url(server)).status_code == 200
    response = client.post(
        sync_url(server),
        {
            "domain": ["bücher.example"],
            "whmcs_id:bücher.example": "9001",
            "product": ProductFactory().pk,
            "client": ClientFactory().pk,
        },
    )
    assert response.status_code == 403
    assert not Service.objects.filter(whmcs_id=9001).exists()


def test_a_panel_that_cannot_report_usage_is_explained(admin_client, server, panel):
    panel.state.add_fault("usage_unsupported", action="usageupdate")
    with pytest.raises(NoTrustedList, match="this panel cannot list accounts"):
        account_sync_report(server)
    panel.state.add_fault("usage_unsupported", action="usageupdate")
    page = admin_client.get(sync_url(server)).content.decode()
    assert "This panel cannot report its accounts" in page
    server.refresh_from_db()
    assert server.usage_supported is False
