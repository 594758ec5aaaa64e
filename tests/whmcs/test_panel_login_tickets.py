"""One-time panel logins asked for by WHMCS's admin area: a signed request gets a link,
the link logs in once within a minute, and the password never reaches WHMCS."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from provisioning.models import Operation, PanelLoginTicket, Service
from tests.factories import ServiceFactory
from tests.openapi_check import assert_documented
from tests.webhook_client import post_webhook

LOGIN = "/webhooks/whmcs/services/{service_id}/panel-login/"


def ask(client, service, admin="alice"):
    return post_webhook(
        client, {"admin": admin}, path=f"/webhooks/whmcs/services/{service.whmcs_id}/panel-login/"
    )


@pytest.mark.django_db
def test_the_link_logs_in_once_and_is_journaled(client):
    service = ServiceFactory(status="active", on_panel=True)
    answer = ask(client, service)
    assert answer.status_code == 200
    assert_documented(LOGIN, "post", answer)
    assert "Client-pass-123" not in answer.content.decode()
    token = answer.json()["url"].rsplit("/", 2)[-2]
    assert not PanelLoginTicket.objects.filter(token_hash=token).exists()

    page = client.get(answer.json()["url"])
    assert page.status_code == 200
    assert 'value="Client-pass-123"' in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert client.get(answer.json()["url"]).status_code == 403
    login = Operation.objects.get(command="PanelLogin")
    assert (login.service, login.requested_by, login.source) == (
        service,
        "WHMCS admin alice",
        "webhook",
    )


@pytest.mark.django_db
def test_an_unused_link_expires_after_a_minute(client):
    service = ServiceFactory(status="active", on_panel=True)
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        url = ask(client, service).json()["url"]
    with time_machine.travel(now + timedelta(seconds=61), tick=False):
        assert client.get(url).status_code == 403
    assert not Operation.objects.filter(command="PanelLogin").exists()


@pytest.mark.django_db
def test_no_link_for_an_account_that_is_not_active_or_without_a_signature(client):
    suspended = ServiceFactory(status="suspended", on_panel=True)
    refused = ask(client, suspended)
    assert refused.status_code == 409
    assert_documented(LOGIN, "post", refused)
    active = ServiceFactory(status="active", on_panel=True)
    unsigned = client.post(
        f"/webhooks/whmcs/services/{active.whmcs_id}/panel-login/",
        data=b"{}",
        content_type="application/json",
    )
    assert unsigned.status_code == 401
    assert client.get("/panel-login/not-a-token/").status_code == 403
    assert not PanelLoginTicket.objects.exists()


@pytest.mark.django_db
def test_a_link_for_an_account_suspended_since_opens_nothing(client):
    service = ServiceFactory(status="active", on_panel=True)
    url = ask(client, service).json()["url"]
    Service.objects.filter(pk=service.pk).update(status="suspended")
    page = client.get(url)
    assert page.status_code == 409
    assert (page["Cache-Control"], page["Referrer-Policy"]) == ("no-store", "no-referrer")
    assert not Operation.objects.filter(command="PanelLogin").exists()
