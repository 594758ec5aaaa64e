"""The server pages: list, write-only password, TLS warning and the buttons."""

import pytest
from django.urls import reverse

from provisioning.models import Operation, Server
from tests.admin_helpers import queries_for, staff_user
from tests.factories import RESELLER_PASSWORD, ServerFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def change_url(server) -> str:
    return reverse("admin:provisioning_server_change", args=[server.pk])


def tool_url(server, name: str) -> str:
    return reverse(f"admin:provisioning_server_{name}", args=[server.pk])


def test_the_server_list_runs_the_same_queries_for_5_and_50_rows(admin_client):
    url = reverse("admin:provisioning_server_changelist")
    for _ in range(5):
        ServiceFactory(status="active")
    few = queries_for(admin_client, url)
    for _ in range(45):
        ServiceFactory(status="suspended")
    assert Server.objects.count() == 50
    assert queries_for(admin_client, url) == few


def test_the_list_shows_panel_url_services_by_status_and_the_tls_warning(admin_client):
    server = ServerFactory(hostname="panel.example.net:8443", secure=True, verify_tls=False)
    ServiceFactory.create_batch(2, server=server, status="active")
    ServiceFactory(server=server, status="suspended")
    page = admin_client.get(reverse("admin:provisioning_server_changelist")).content.decode()
    assert "https://panel.example.net:8443" in page
    assert "2 active" in page and "1 suspended" in page
    assert "⚠ not verified" in page
    assert "never tested" in page


def test_the_change_page_never_renders_the_reseller_password(admin_client, server):
    page = admin_client.get(change_url(server)).content.decode()
    assert RESELLER_PASSWORD not in page
    assert 'name="reseller_password"' in page
    assert "Leave empty to keep" in page


def test_saving_with_an_empty_password_keeps_it_and_a_new_one_replaces_it(admin_client, server):
    form = {
        "name": "Renamed",
        "whmcs_id": server.whmcs_id,
        "active": "on",
        "hostname": server.hostname,
        "endpoint_path": "/kaziwhmcs",
        "reseller_username": "reseller1",
        "reseller_password": "",
    }
    assert admin_client.post(change_url(server), form).status_code == 302
    server.refresh_from_db()
    assert (server.name, server.reseller_password) == ("Renamed", RESELLER_PASSWORD)
    admin_client.post(change_url(server), {**form, "reseller_password": "new-secret-9"})
    server.refresh_from_db()
    assert server.reseller_password == "new-secret-9"


def test_a_new_server_needs_a_reseller_password(admin_client):
    response = admin_client.post(
        reverse("admin:provisioning_server_add"),
        {
            "whmcs_id": 9,
            "hostname": "p.example",
            "endpoint_path": "/kaziwhmcs",
            "reseller_username": "r",
            "reseller_password": "",
        },
    )
    assert response.status_code == 200
    assert "A new server needs the reseller" in response.content.decode()
    assert not Server.objects.exists()


def test_the_change_page_warns_when_tls_verification_is_off(admin_client):
    server = ServerFactory(secure=True, verify_tls=False)
    assert "TLS verification is off" in admin_client.get(change_url(server)).content.decode()


def test_login_to_control_panel_answers_the_auto_submit_page_and_journals_it(
    admin_client, admin_user, server, panel
):
    change_page = admin_client.get(change_url(server)).content.decode()
    assert tool_url(server, "panel_login") in change_page
    response = admin_client.post(tool_url(server, "panel_login"))
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert f'action="{panel.url}/"' in page
    assert 'name="uname" value="reseller1"' in page
    assert "Continue" in page
    op = Operation.objects.get(command=Operation.Command.PANEL_LOGIN)
    assert (op.server, op.service, op.source) == (server, None, "admin")
    assert op.requested_by == f"admin {admin_user.username}"
    assert op.request["as"] == "reseller"


@pytest.mark.parametrize("name", ["panel_login", "test_connection", "import_usage"])
def test_every_server_button_refuses_a_get(admin_client, server, name):
    assert admin_client.get(tool_url(server, name)).status_code == 405
    assert not Operation.objects.exists()


@pytest.mark.parametrize("name", ["panel_login", "test_connection", "import_usage"])
def test_every_server_button_needs_the_change_permission(client, server, name):
    client.force_login(staff_user("view_server"))
    assert client.post(tool_url(server, name)).status_code == 403
    assert "Test connection" not in client.get(change_url(server)).content.decode()
    assert not Operation.objects.exists()


def test_the_buttons_refuse_a_post_without_csrf_token(server):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(staff_user("change_server", "view_server"))
    assert csrf_client.post(tool_url(server, "test_connection")).status_code == 403
    assert not Operation.objects.exists()


def test_non_staff_users_are_sent_to_the_login_page(client, server):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody", password="x-123456789"))
    response = client.post(tool_url(server, "panel_login"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_test_connection_runs_now_and_stores_the_result(admin_client, server, panel):
    response = admin_client.post(tool_url(server, "test_connection"), follow=True)
    assert "Connection OK" in response.content.decode()
    server.refresh_from_db()
    assert server.last_test_ok is True and server.last_test_at is not None
    op = Operation.objects.get()
    assert (op.command, op.state, op.source) == ("TestConnection", "succeeded", "admin")
    assert panel.state.requests_for("connectiontest")


def test_test_connection_shows_and_stores_the_panels_refusal(admin_client, panel):
    server = ServerFactory(hostname=panel.host_port, reseller_password="wrong-password")
    response = admin_client.post(tool_url(server, "test_connection"), follow=True)
    assert "Connection failed: KaziWhmcs: Bad password." in response.content.decode()
    server.refresh_from_db()
    assert (server.last_test_ok, server.last_test_message) == (False, "KaziWhmcs: Bad password.")
    listing = admin_client.get(reverse("admin:provisioning_server_changelist")).content.decode()
    assert "error" in listing and "wrong-password" not in listing


def test_import_usage_now_queues_one_usage_update(admin_client, server):
    response = admin_client.post(tool_url(server, "import_usage"), follow=True)
    assert "Usage import queued" in response.content.decode()
    admin_client.post(tool_url(server, "import_usage"))
    op = Operation.objects.get()
    assert (op.command, op.state, op.server) == ("UsageUpdate", "queued", server)


def test_the_whmcs_admin_link_finds_the_server_by_its_whmcs_id(admin_client):
    # The WHMCS module's AdminLink points at /admin/provisioning/server/?whmcs_id=<serverid>.
    ServerFactory(name="Alpha panel", whmcs_id=7)
    ServerFactory(name="Beta panel", whmcs_id=8)
    page = admin_client.get("/admin/provisioning/server/?whmcs_id=7").content.decode()
    assert "Alpha panel" in page and "Beta panel" not in page
