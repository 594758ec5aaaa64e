"""The service pages: list, bulk actions through the webhook rules, and the buttons."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from provisioning.models import Operation
from provisioning.signing import client_area_verify
from tests.admin_helpers import queries_for, staff_user
from tests.factories import OperationFactory, ServerFactory, ServiceFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/provisioning/service/"


def act(client, action: str, services, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [s.pk for s in services], **extra}
    return client.post(LIST, data, follow=True)


def test_the_service_list_runs_the_same_queries_for_5_and_50_rows(admin_client):
    def add(n):
        for service in ServiceFactory.create_batch(n, status="active", disk_usage=5, disk_limit=0):
            OperationFactory(service=service, state="failed")

    add(5)
    few = queries_for(admin_client, LIST)
    add(45)
    assert queries_for(admin_client, LIST) == few
    assert queries_for(admin_client, LIST + "?last_operation=failed") == few


def test_the_list_shows_badges_usage_bars_and_the_punycode_tooltip(admin_client):
    ServiceFactory(
        domain="bücher.example",
        domain_ascii="xn--bcher-kva.example",
        status="suspended",
        disk_usage=450,
        disk_limit=1000,
        bw_usage=12,
        bw_limit=0,
    )
    page = admin_client.get(LIST).content.decode()
    assert 'title="xn--bcher-kva.example"' in page and "bücher.example" in page
    assert '<span class="kz-badge kz-warn">Suspended</span>' in page
    # 450 MB of 1,000 MiB (1,048.576 MB): 43 %, in the client area's units.
    assert "43&nbsp;%" in page and "450 MB of 1.05 GB" in page
    assert 'title="450 MB used of 1,000 MiB on the panel = 1,048.6 MB"' in page
    assert "12 MB<br><small><em>unlimited</em>" in page


def test_the_last_operation_failed_filter_keeps_only_those(admin_client):
    failed, fine = ServiceFactory(domain="failed.example"), ServiceFactory(domain="fine.example")
    OperationFactory(service=failed, state="succeeded")
    OperationFactory(service=failed, state="failed")
    OperationFactory(service=fine, state="failed")
    OperationFactory(service=fine, state="succeeded")
    page = admin_client.get(LIST + "?last_operation=failed").content.decode()
    assert "failed.example" in page and "fine.example" not in page


def test_search_finds_client_email_and_whmcs_id(admin_client):
    service = ServiceFactory(domain="found.example", whmcs_id=7777)
    ServiceFactory(domain="other.example")
    for term in (service.client.email, "7777", "found"):
        page = admin_client.get(LIST, {"q": term}).content.decode()
        assert "found.example" in page and "other.example" not in page, term


@pytest.mark.parametrize(
    ("action", "command"),
    [
        ("create_accounts", "CreateAccount"),
        ("suspend_accounts", "SuspendAccount"),
        ("unsuspend_accounts", "UnsuspendAccount"),
    ],
)
def test_a_bulk_action_queues_one_operation_per_service_through_the_rules(
    admin_client, admin_user, action, command
):
    status = "suspended" if command == "UnsuspendAccount" else "pending"
    services = ServiceFactory.create_batch(3, status=status)
    response = act(admin_client, action, services)
    assert "3 queued" in response.content.decode()
    ops = Operation.objects.filter(command=command)
    assert ops.count() == 3
    assert {(op.source, op.requested_by, op.state) for op in ops} == {
        ("admin", f"admin {admin_user.username}", "queued")
    }
    act(admin_client, action, services)
    assert Operation.objects.filter(command=command).count() == 3  # joined, not doubled


def test_create_skips_a_service_without_a_password(admin_client):
    service = ServiceFactory(password="")
    response = act(admin_client, "create_accounts", [service])
    assert "no password stored" in response.content.decode()
    assert not Operation.objects.exists()


def test_terminate_asks_for_confirmation_listing_the_domains(admin_client):
    services = [ServiceFactory(domain="a.example"), ServiceFactory(domain="b.example")]
    page = act(admin_client, "terminate_accounts", services).content.decode()
    assert "a.example" in page and "b.example" in page
    assert "Yes, terminate 2 accounts" in page
    assert not Operation.objects.exists()
    act(admin_client, "terminate_accounts", services, confirmed="yes")
    assert Operation.objects.filter(command="TerminateAccount").count() == 2


def test_change_password_refuses_a_password_the_panel_would_refuse(admin_client):
    service = ServiceFactory()
    page = act(
        admin_client, "change_passwords", [service], how="typed", password=" starts-with-space"
    ).content.decode()
    assert "must not start or end with a space" in page
    assert not Operation.objects.exists()


def test_change_password_sends_the_typed_password_as_the_operations_secret(admin_client):
    service = ServiceFactory()
    act(admin_client, "change_passwords", [service], how="typed", password="Typed-pass-99")
    op = Operation.objects.get()
    assert (op.command, op.secret, op.request["password"]) == (
        "ChangePassword",
        "Typed-pass-99",
        "***",
    )


def test_generated_passwords_differ_per_account_and_are_never_shown(admin_client):
    services = ServiceFactory.create_batch(2)
    page = act(admin_client, "change_passwords", services, how="generate").content.decode()
    secrets = [op.secret for op in Operation.objects.all()]
    assert len(set(secrets)) == 2 and all(len(s) == 16 for s in secrets)
    assert not any(secret in page for secret in secrets)


def test_refresh_usage_queues_one_usage_update_per_server(admin_client):
    server = ServerFactory()
    services = [*ServiceFactory.create_batch(2, server=server), ServiceFactory()]
    act(admin_client, "refresh_usage", services)
    ops = Operation.objects.filter(command="UsageUpdate")
    assert ops.count() == 2 and {op.service_id for op in ops} == {None}


def test_the_actions_need_the_change_permission(client):
    client.force_login(staff_user("view_service"))
    service = ServiceFactory()
    response = act(client, "suspend_accounts", [service])
    assert response.status_code == 200
    assert not Operation.objects.exists()
    assert "suspend_accounts" not in client.get(LIST).content.decode()


def test_the_change_page_never_renders_the_service_password(admin_client):
    service = ServiceFactory(password="Very-secret-77", status="active")
    page = admin_client.get(
        reverse("admin:provisioning_service_change", args=[service.pk])
    ).content.decode()
    assert "Very-secret-77" not in page
    assert "Go to control panel" in page and "Login as client" in page


def test_the_client_area_link_is_signed_for_the_service(admin_client):
    service = ServiceFactory(whmcs_id=4242)
    page = admin_client.get(
        reverse("admin:provisioning_service_change", args=[service.pk])
    ).content.decode()
    start = page.index("/client/services/4242/?")
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    client_area_verify(4242, query["expires"][0], query["sig"][0])  # raises if wrong


def test_a_user_who_may_only_view_services_gets_no_client_area_link(client):
    service = ServiceFactory(whmcs_id=4243)
    client.force_login(staff_user("view_service"))
    page = client.get(reverse("admin:provisioning_service_change", args=[service.pk]))
    assert page.status_code == 200
    assert service.domain in page.content.decode()
    assert "/client/services/4243/?" not in page.content.decode()


def test_the_operations_inline_is_read_only_and_newest_first(admin_client):
    service = ServiceFactory()
    first = OperationFactory(service=service, command="CreateAccount")
    second = OperationFactory(service=service, command="SuspendAccount")
    page = admin_client.get(
        reverse("admin:provisioning_service_change", args=[service.pk])
    ).content.decode()
    assert page.index(f"#{second.pk}<") < page.index(f"#{first.pk}<")
    assert "operations-0-command" not in page  # no editable inline field


def test_login_as_client_answers_the_auto_submit_page_and_journals_it(admin_client, server, panel):
    service = ServiceFactory(
        server=server,
        domain="bücher.example",
        domain_ascii="xn--bcher-kva.example",
        password="Client-pass-123",
        status="active",
    )
    url = reverse("admin:provisioning_service_panel_login", args=[service.pk])
    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)
    page = response.content.decode()
    assert 'name="uname" value="xn--bcher-kva.example"' in page
    assert "no-store" in response["Cache-Control"]
    op = Operation.objects.get()
    assert (op.command, op.service, op.request["as"]) == ("PanelLogin", service, "customer")


def test_login_as_client_needs_the_change_permission_and_csrf(server):
    service = ServiceFactory(server=server, status="active")
    url = reverse("admin:provisioning_service_panel_login", args=[service.pk])
    viewer = Client()
    viewer.force_login(staff_user("view_service"))
    assert viewer.post(url).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_user("view_service", "change_service", username="changer"))
    assert strict.post(url).status_code == 403
    assert not Operation.objects.exists()


def test_saving_the_form_keeps_the_password_and_normalizes_the_domain(admin_client):
    service = ServiceFactory(password="Kept-pass-1")
    url = reverse("admin:provisioning_service_change", args=[service.pk])
    form = {
        "whmcs_id": service.whmcs_id,
        "client": service.client_id,
        "product": service.product_id,
        "server": service.server_id,
        "domain": "Bücher.Example",
        "username": "",
        "password": "",
        "operations-TOTAL_FORMS": 0,
        "operations-INITIAL_FORMS": 0,
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    service.refresh_from_db()
    assert (service.domain, service.domain_ascii, service.password) == (
        "bücher.example",
        "xn--bcher-kva.example",
        "Kept-pass-1",
    )
