"""A signature opens one request (contract v2): its method, its route and query, its time
and its body. v1 opens the webhook alone; a signed POST other than the webhook opens once.
Every refusal is a 401 that writes nothing."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.test import override_settings

from provisioning.models import Operation, PanelLoginTicket, SpentSignature
from provisioning.signing import signed_headers, webhook_signature_v1
from provisioning.whmcs.signed_requests import signature_spend
from tests.factories import ServerFactory, ServiceFactory
from tests.operation_requests import queued
from tests.webhook_client import command_body, post_raw

WEBHOOK = "/webhooks/whmcs/"
ASK = json.dumps({"admin": "admin #1"}).encode()


def row_counts() -> dict[str, int]:
    models = apps.get_app_config("provisioning").get_models()
    return {model.__name__: model.objects.count() for model in models}


def server_login(server) -> str:
    return f"/webhooks/whmcs/servers/{server.whmcs_id}/panel-login/"


def service_login(service) -> str:
    return f"/webhooks/whmcs/services/{service.whmcs_id}/panel-login/"


def v1_headers(raw: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "X-Kazi-Timestamp": timestamp,
        "X-Kazi-Signature": f"sha256={webhook_signature_v1(timestamp, raw)}",
    }


def assert_refused(response, before: dict[str, int]) -> None:
    assert response.status_code == 401, response.content
    assert "error" in response.json()
    assert row_counts() == before, "a refused request wrote a row"


@pytest.fixture
def service(db):
    return ServiceFactory(status="active", on_panel=True)


def test_a_v1_signature_opens_nothing_but_the_webhook(client, service):
    before = row_counts()
    refused = post_raw(client, ASK, v1_headers(ASK), path=server_login(service.server))
    assert_refused(refused, before)
    assert "v1" in refused.json()["error"]
    assert_refused(post_raw(client, ASK, v1_headers(ASK), path=service_login(service)), before)
    view = f"/webhooks/whmcs/services/{service.whmcs_id}/"
    assert_refused(client.get(view, headers=v1_headers(b"")), before)
    op = queued("SuspendAccount", service)
    before = row_counts()
    status = f"/webhooks/whmcs/operations/{op.pk}/"
    assert_refused(client.get(status, headers=v1_headers(b"")), before)


@pytest.mark.django_db
def test_the_webhook_still_accepts_v1(client):
    raw = json.dumps(command_body("TestConnection")).encode()
    assert post_raw(client, raw, v1_headers(raw)).status_code == 202
    assert Operation.objects.count() == 1


def test_a_webhooks_signature_opens_no_panel_login(client, service):
    raw = json.dumps(command_body("TestConnection", serverid=service.server.whmcs_id)).encode()
    headers = signed_headers("POST", WEBHOOK, raw)
    before = row_counts()
    assert_refused(post_raw(client, raw, headers, path=server_login(service.server)), before)
    assert_refused(post_raw(client, raw, headers, path=service_login(service)), before)
    assert not PanelLoginTicket.objects.exists()


def test_one_servers_panel_login_signature_opens_no_other_server(client, service):
    other = ServerFactory()
    another_service = ServiceFactory(status="active", on_panel=True, server=service.server)
    headers = signed_headers("POST", server_login(service.server), ASK)
    before = row_counts()
    assert_refused(post_raw(client, ASK, headers, path=server_login(other)), before)
    headers = signed_headers("POST", service_login(service), ASK)
    assert_refused(post_raw(client, ASK, headers, path=service_login(another_service)), before)
    assert not PanelLoginTicket.objects.exists()


def test_a_status_polls_signature_opens_no_other_read(client, service):
    op = queued("SuspendAccount", service)
    headers = signed_headers("GET", f"/webhooks/whmcs/operations/{op.pk}/")
    assert client.get(f"/webhooks/whmcs/operations/{op.pk}/", headers=headers).status_code == 200
    before = row_counts()
    for path in (
        f"/webhooks/whmcs/services/{service.whmcs_id}/",
        f"/webhooks/whmcs/servers/{service.server.whmcs_id}/accounts/",
        f"/webhooks/whmcs/servers/{service.server.whmcs_id}/usage/",
    ):
        assert_refused(client.get(path, headers=headers), before)


def test_a_signature_for_one_method_opens_nothing_in_another(client, service):
    view = f"/webhooks/whmcs/services/{service.whmcs_id}/"
    before = row_counts()
    assert_refused(client.get(view, headers=signed_headers("POST", view)), before)
    # An empty POST body against a GET's signature over the same route.
    login = service_login(service)
    assert_refused(post_raw(client, b"", signed_headers("GET", login), path=login), before)
    assert not PanelLoginTicket.objects.exists()


def test_a_signature_for_one_query_opens_nothing_with_another(client, service):
    outcome = f"/webhooks/whmcs/services/{service.whmcs_id}/outcome/"
    headers = signed_headers("GET", f"{outcome}?command=CreateAccount")
    before = row_counts()
    assert_refused(client.get(f"{outcome}?command=SuspendAccount", headers=headers), before)
    view = f"/webhooks/whmcs/services/{service.whmcs_id}/"
    assert_refused(client.get(f"{view}?extra=1", headers=signed_headers("GET", view)), before)
    op = queued("SuspendAccount", service)
    status = f"/webhooks/whmcs/operations/{op.pk}/"
    before = row_counts()
    headers = signed_headers("GET", f"{status}?wait=0")
    assert_refused(client.get(f"{status}?wait=9", headers=headers), before)


def test_a_signature_for_another_body_or_time_opens_nothing(client, service):
    login = service_login(service)
    headers = signed_headers("POST", login, ASK)
    before = row_counts()
    other_body = json.dumps({"admin": "admin #2"}).encode()
    assert_refused(post_raw(client, other_body, headers, path=login), before)
    stale = signed_headers("POST", login, ASK, now=time.time() - 301)
    assert_refused(post_raw(client, ASK, stale, path=login), before)


def test_a_panel_login_signature_opens_one_ticket_once(client, service):
    for path in (service_login(service), server_login(service.server)):
        headers = signed_headers("POST", path, ASK)
        first = post_raw(client, ASK, headers, path=path)
        assert first.status_code == 200
        before = row_counts()
        again = post_raw(client, ASK, headers, path=path)
        assert_refused(again, before)
        assert "already used" in again.json()["error"]
    assert PanelLoginTicket.objects.count() == 2


def test_a_one_time_request_refused_by_the_view_writes_nothing(client, service):
    missing = "/webhooks/whmcs/servers/999999/panel-login/"
    before = row_counts()
    answer = post_raw(client, ASK, signed_headers("POST", missing, ASK), path=missing)
    assert answer.status_code == 404
    assert row_counts() == before
    suspended = ServiceFactory(status="suspended", on_panel=True)
    before = row_counts()
    login = service_login(suspended)
    assert post_raw(client, ASK, signed_headers("POST", login, ASK), path=login).status_code == 409
    assert row_counts() == before


@pytest.mark.django_db
def test_spent_signatures_are_kept_until_stale_then_forgotten():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    timestamp = str(int(now.timestamp()))
    with time_machine.travel(now, tick=False):
        assert signature_spend("a" * 64, timestamp)
        assert not signature_spend("a" * 64, timestamp)
    # Accepted until 300 s past its timestamp: kept until then.
    with time_machine.travel(now + timedelta(seconds=300), tick=False):
        assert not signature_spend("a" * 64, timestamp)
        assert SpentSignature.objects.count() == 1
    later = now + timedelta(seconds=301)
    with time_machine.travel(later, tick=False):
        assert signature_spend("b" * 64, str(int(later.timestamp())))
    assert list(SpentSignature.objects.values_list("stale_at", flat=True)) == [
        later + timedelta(seconds=300)
    ]
    assert not SpentSignature.objects.filter(digest__in=["a" * 64, "b" * 64]).exists()


def test_behind_a_proxy_prefix_the_route_is_below_the_bridges_root(client, service):
    view = f"/webhooks/whmcs/services/{service.whmcs_id}/"
    behind = {"SCRIPT_NAME": "/bridge"}
    answer = client.get(view, headers=signed_headers("GET", view), **behind)
    assert answer.status_code == 200
    login = service_login(service)
    ticket = post_raw(client, ASK, signed_headers("POST", login, ASK), path=login, **behind)
    assert ticket.status_code == 200
    before = row_counts()
    prefixed = signed_headers("GET", f"/bridge{view}")
    assert_refused(client.get(view, headers=prefixed, **behind), before)
    prefixed = signed_headers("POST", f"/bridge{login}", ASK)
    assert_refused(post_raw(client, ASK, prefixed, path=login, **behind), before)


@override_settings(WEBHOOK_TIMESTAMP_TOLERANCE=60)
def test_the_window_of_a_spent_signature_follows_the_tolerance(client, service):
    login = service_login(service)
    headers = signed_headers("POST", login, ASK)
    assert post_raw(client, ASK, headers, path=login).status_code == 200
    spent = SpentSignature.objects.get()
    assert spent.stale_at == datetime.fromtimestamp(int(headers["X-Kazi-Timestamp"]) + 60, UTC)
