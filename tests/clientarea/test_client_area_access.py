"""Who may open a service's client-area page: a signed link's session, or staff."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.test import Client

from provisioning.signing import client_area_query
from tests.client_area_links import client_area_link
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def service():
    return ServiceFactory(domain="alpha.example", domain_ascii="alpha.example", status="active")


@pytest.fixture
def other():
    return ServiceFactory(domain="bravo.example", domain_ascii="bravo.example", status="active")


def refused_without_data(response, *services) -> None:
    assert response.status_code == 403
    text = response.content.decode()
    assert "This page cannot be shown" in text
    for service in services:
        assert service.domain not in text
        assert service.client.firstname not in text
    assert "csrfmiddlewaretoken" not in text


def test_a_valid_link_opens_the_services_page(client, service):
    response = client.get(client_area_link(service.whmcs_id))
    assert response.status_code == 200
    assert "alpha.example" in response.content.decode()


def test_the_link_the_bridge_makes_is_valid(client, service):
    response = client.get(
        f"/client/services/{service.whmcs_id}/?{client_area_query(service.whmcs_id)}"
    )
    assert response.status_code == 200


def test_the_session_a_link_opened_shows_the_page_again_without_the_link(client, service):
    client.get(client_area_link(service.whmcs_id))
    response = client.get(f"/client/services/{service.whmcs_id}/")
    assert response.status_code == 200
    assert "alpha.example" in response.content.decode()


def test_the_page_without_a_link_or_session_is_refused(client, service):
    response = client.get(f"/client/services/{service.whmcs_id}/")
    refused_without_data(response, service)
    assert "open it from there" in response.content.decode()


def test_an_expired_link_is_refused_with_a_clear_message(client, service):
    with time_machine.travel(NOW, tick=False):
        link = client_area_link(service.whmcs_id)
    with time_machine.travel(NOW.timestamp() + 601, tick=False):
        response = client.get(link)
    refused_without_data(response, service)
    assert "This link has expired" in response.content.decode()


def test_a_link_is_valid_until_its_expiry_second(client, service):
    with time_machine.travel(NOW, tick=False):
        link = client_area_link(service.whmcs_id)
    with time_machine.travel(NOW.timestamp() + 600, tick=False):
        assert client.get(link).status_code == 200


def test_a_link_promising_more_than_a_day_is_refused(client, service):
    with time_machine.travel(NOW, tick=False):
        day = client_area_link(service.whmcs_id, expires=int(NOW.timestamp()) + 24 * 3600)
        assert client.get(day).status_code == 200
        longer = client_area_link(service.whmcs_id, expires=int(NOW.timestamp()) + 24 * 3600 + 1)
        refused_without_data(Client().get(longer), service)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda link: link[:-1] + ("0" if link[-1] != "0" else "1"),
        lambda link: link.replace("expires=", "expires=1"),
        lambda link: link.split("&sig=")[0],
        lambda link: link.split("?")[0] + "?sig=" + link.split("&sig=")[1],
        lambda link: link.split("&sig=")[0] + "&sig=",
        lambda link: link.split("&sig=")[0].replace("expires=", "expires=9" * 5000),
        lambda link: link + "é",
    ],
    ids=[
        "signature",
        "expiry",
        "no-signature",
        "no-expiry",
        "empty-signature",
        "huge-expiry",
        "junk",
    ],
)
def test_a_tampered_link_is_refused(client, service, tamper):
    response = client.get(tamper(client_area_link(service.whmcs_id)))
    refused_without_data(response, service)
    assert "not valid" in response.content.decode() or "expired" in response.content.decode()


def test_a_link_for_another_service_is_refused(client, service, other):
    link = client_area_link(service.whmcs_id).replace(
        f"/services/{service.whmcs_id}/", f"/services/{other.whmcs_id}/"
    )
    refused_without_data(client.get(link), service, other)


def test_a_session_for_service_a_never_shows_service_b(client, service, other):
    assert client.get(client_area_link(service.whmcs_id)).status_code == 200
    response = client.get(f"/client/services/{other.whmcs_id}/")
    refused_without_data(response, other)
    assert "alpha.example" not in response.content.decode()


def test_a_bad_link_is_refused_even_in_a_session_that_holds_the_service(client, service):
    client.get(client_area_link(service.whmcs_id))
    response = client.get(f"/client/services/{service.whmcs_id}/?expires=1&sig=00")
    refused_without_data(response, service)


def test_a_signed_link_for_an_unknown_service_is_refused(client):
    refused_without_data(client.get(client_area_link(999_999)))
    refused_without_data(client.get(client_area_link(2**40)))


def test_the_sessions_grant_ends_after_the_configured_time(client, service, settings):
    settings.CLIENT_AREA_SESSION_SECONDS = 3600
    with time_machine.travel(NOW, tick=False):
        client.get(client_area_link(service.whmcs_id))
    with time_machine.travel(NOW.timestamp() + 3599, tick=False):
        assert client.get(f"/client/services/{service.whmcs_id}/").status_code == 200
    with time_machine.travel(NOW.timestamp() + 3601, tick=False):
        refused_without_data(client.get(f"/client/services/{service.whmcs_id}/"), service)


def test_opening_a_link_gives_the_browser_a_new_session_id(client, service):
    client.get(f"/client/services/{service.whmcs_id}/")
    client.session.save()
    before = client.session.session_key
    client.get(client_area_link(service.whmcs_id))
    assert client.cookies["sessionid"].value != before


def test_staff_may_open_any_services_page_without_a_link(client, service, other):
    staff = User.objects.create_user("helpdesk", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_service"))
    client.force_login(staff)
    for each in (service, other):
        response = client.get(f"/client/services/{each.whmcs_id}/")
        assert response.status_code == 200
        assert each.domain in response.content.decode()


def test_a_logged_in_user_who_is_not_staff_needs_a_link(client, service):
    client.force_login(User.objects.create_user("someone", password="pw"))
    refused_without_data(client.get(f"/client/services/{service.whmcs_id}/"), service)


def test_staff_without_permission_on_services_needs_a_link(client, service):
    client.force_login(User.objects.create_user("clerk", password="pw", is_staff=True))
    refused_without_data(client.get(f"/client/services/{service.whmcs_id}/"), service)


@pytest.mark.parametrize("link", [True, False], ids=["page", "refusal"])
def test_client_area_pages_carry_security_headers(client, service, link):
    url = client_area_link(service.whmcs_id) if link else f"/client/services/{service.whmcs_id}/"
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_the_page_refuses_other_methods(client, service):
    assert client.post(client_area_link(service.whmcs_id)).status_code == 405
