"""The Control Panel button: a CSRF-checked POST answered by the one-time login page."""

import re

import pytest
import requests
from django.contrib.auth.models import User
from django.test import Client

from provisioning.models import Operation
from tests.admin_helpers import staff_user
from tests.client_area_links import client_area_link
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(server):
    return ServiceFactory(
        server=server,
        domain="bücher.example",
        domain_ascii="xn--bcher-kva.example",
        password="Customer-pass-1",
        status="active",
    )


def sso_url(service) -> str:
    return f"/client/services/{service.whmcs_id}/panel-login/"


def opened(client, service):
    assert client.get(client_area_link(service.whmcs_id)).status_code == 200
    return client


def test_the_button_answers_the_one_time_login_page(client, service, panel):
    response = opened(client, service).post(sso_url(service), REMOTE_ADDR="203.0.113.7")
    text = response.content.decode()
    assert response.status_code == 200
    assert f'action="{panel.url}/"' in text
    assert 'name="uname" value="xn--bcher-kva.example"' in text
    assert 'name="upass" value="Customer-pass-1"' in text
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    nonce = re.search(r"script-src 'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in text
    assert "Continue</button>" in text


def test_each_use_is_journaled_with_who_and_ip(client, service):
    opened(client, service).post(sso_url(service), REMOTE_ADDR="203.0.113.7")
    entry = Operation.objects.get(command=Operation.Command.PANEL_LOGIN)
    assert entry.service == service
    assert entry.source == Operation.Source.CLIENT_AREA
    assert entry.requested_by == f"client area (WHMCS client {service.client.whmcs_id})"
    assert entry.request == {
        "login": "xn--bcher-kva.example",
        "ip": "203.0.113.7",
        "as": "customer",
    }
    assert "Customer-pass-1" not in str(entry.request) + entry.result + entry.secret


def test_staff_use_is_journaled_under_their_name(client, service):
    client.force_login(User.objects.create_superuser("boss", password="pw"))
    assert client.post(sso_url(service)).status_code == 200
    entry = Operation.objects.get(command=Operation.Command.PANEL_LOGIN)
    assert (entry.source, entry.requested_by) == (Operation.Source.ADMIN, "staff user boss")


def test_staff_who_may_only_view_services_cannot_log_in_as_the_client(client, service):
    client.force_login(staff_user("view_service", username="helpdesk"))
    page = client.get(f"/client/services/{service.whmcs_id}/").content.decode()
    assert "needs the permission to change services" in page
    refused = client.post(sso_url(service))
    assert refused.status_code == 403
    assert "Customer-pass-1" not in refused.content.decode()
    assert not Operation.objects.exists()
    client.force_login(staff_user("view_service", "change_service", username="operator"))
    assert client.post(sso_url(service)).status_code == 200


def test_the_login_page_really_logs_in_to_the_panel(client, service, panel):
    panel.state.seed_customer("bücher.example", password="Customer-pass-1")
    text = opened(client, service).post(sso_url(service)).content.decode()
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', text))
    with requests.Session() as browser:
        page = browser.post(f"{panel.url}/", data=fields, timeout=5)
    assert "logged in as xn--bcher-kva.example" in page.text


def test_the_post_needs_the_csrf_token(service):
    browser = opened(Client(enforce_csrf_checks=True), service)
    assert browser.post(sso_url(service)).status_code == 403
    page = browser.get(f"/client/services/{service.whmcs_id}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert browser.post(sso_url(service), {"csrfmiddlewaretoken": token}).status_code == 200
    assert Operation.objects.filter(command=Operation.Command.PANEL_LOGIN).count() == 1


def test_the_post_is_refused_without_the_session_a_link_opened(client, service):
    response = client.post(sso_url(service))
    assert response.status_code == 403
    assert "Customer-pass-1" not in response.content.decode()
    assert not Operation.objects.exists()


def test_a_session_for_another_service_cannot_log_in_to_this_one(client, service, server):
    mine = ServiceFactory(server=server, status="active")
    opened(client, mine)
    response = client.post(sso_url(service))
    assert response.status_code == 403
    assert "Customer-pass-1" not in response.content.decode()
    assert not Operation.objects.exists()


def test_a_link_in_the_query_does_not_open_the_post(client, service):
    link = client_area_link(service.whmcs_id)
    response = client.post(sso_url(service) + "?" + link.split("?")[1])
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("status", "explanation"),
    [
        ("pending", "still being set up"),
        ("suspended", "suspended"),
        ("terminated", "has been closed"),
        ("cancelled", "has been cancelled"),
    ],
)
def test_an_unusable_account_disables_the_button_and_refuses_the_post(
    client, service, status, explanation
):
    service.status = status
    service.save()
    page = opened(client, service).get(f"/client/services/{service.whmcs_id}/").content.decode()
    assert re.search(r'<button type="submit" class="button button-primary" disabled', page)
    assert 'aria-describedby="sso-refusal"' in page
    assert explanation in page
    response = client.post(sso_url(service))
    assert response.status_code == 409
    assert explanation in response.content.decode()
    assert "Customer-pass-1" not in response.content.decode()
    assert not Operation.objects.exists()


def test_an_active_account_has_an_enabled_button(client, service):
    page = opened(client, service).get(f"/client/services/{service.whmcs_id}/").content.decode()
    assert '<button type="submit" class="button button-primary">Control Panel' in page
    assert "disabled" not in page


def test_the_password_is_on_no_other_page(client, service):
    for response in (
        opened(client, service).get(f"/client/services/{service.whmcs_id}/"),
        client.get("/client/services/1/"),
    ):
        assert "Customer-pass-1" not in response.content.decode()


def test_the_button_only_answers_post(client, service):
    assert opened(client, service).get(sso_url(service)).status_code == 405
