"""One refused reseller login holds the server's queue: no other operation logs in with
the same password (the panel would block the address) until the password changes in the
bridge or a Test Connection gets in."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from provisioning.admin.dashboard import panels_last_day
from provisioning.admin.service_actions import server_connection_test
from provisioning.models import Incident, Operation, Server
from provisioning.operations.worker import operation_run
from provisioning.panels.access import HOLD_RECHECK, panel_access
from provisioning.panels.imscp import client as panel_client
from provisioning.panels.imscp.errors import PanelLoginRefused
from provisioning.tasks import monitoring_sweep
from tests.factories import RESELLER_PASSWORD, ServiceFactory
from tests.operation_requests import queued
from tests.webhook_client import command_body, post_webhook

pytestmark = pytest.mark.django_db

START = 1_900_000_000


@pytest.fixture
def services(server, panel):
    made = []
    for domain in ("a.example.com", "b.example.com", "c.example.com"):
        panel.state.seed_customer(domain, reseller="reseller1")
        made.append(
            ServiceFactory(
                server=server, domain=domain, domain_ascii=domain, status="active", on_panel=True
            )
        )
    Server.objects.filter(pk=server.pk).update(reseller_password="typo-in-bridge")
    return made


def logins(panel) -> int:
    return len(panel.state.requests)


@override_settings(OPERATION_MAX_ATTEMPTS=1)
def test_one_refused_login_holds_every_operation_of_the_server(services, server, panel):
    ops = [queued("SuspendAccount", s) for s in services]
    with time_machine.travel(START, tick=False) as clock:
        assert operation_run(ops[0].pk) == "retrying", "held, not failed: no attempt used up"
        server.refresh_from_db()
        assert server.login_refused == "KaziWhmcs: Bad password."
        assert logins(panel) == 1
        for _ in range(5):  # the sweep sends them again and again
            clock.shift(HOLD_RECHECK.total_seconds() + 1)
            assert [operation_run(op.pk) for op in ops] == [None] * 3
        assert logins(panel) == 1, "nobody logged in again with the refused password"
    found = Operation.objects.filter(pk__in=[op.pk for op in ops])
    states = [(op.state, op.attempts) for op in found.order_by("id")]
    assert states == [("retrying", 1), ("queued", 0), ("queued", 0)]
    waiting = Operation.objects.get(pk=ops[1].pk).result
    assert waiting.startswith("Waiting for the panel: The bridge holds this server's operations")
    assert panel.state.login_records["127.0.0.1"].count == 1, "never counted up to a block"
    incident = Incident.objects.get(kind=Incident.Kind.SERVER_PROBLEM, resolved_at=None)
    assert "refuses the reseller's login" in incident.title


def test_the_dashboard_and_the_servers_page_say_the_queue_is_held(
    services, server, panel, admin_client
):
    operation_run(queued("SuspendAccount", services[0]).pk)
    row = next(r for r in panels_last_day(timezone.now()).rows if r.label == str(server))
    assert row.alert and "holds this server's operations" in row.value
    page = admin_client.get(reverse("admin:provisioning_server_change", args=[server.pk]))
    assert "refused the reseller&#x27;s login (KaziWhmcs: Bad password.)" in page.content.decode()


def test_new_credentials_from_whmcs_release_the_queue(services, server, panel, client):
    ops = [queued("SuspendAccount", s) for s in services]
    operation_run(ops[0].pk)
    body = command_body(
        "SuspendAccount",
        panel,
        serverid=str(server.whmcs_id),
        serviceid=str(services[0].whmcs_id),
        serverpassword=RESELLER_PASSWORD,
    )
    assert post_webhook(client, body).status_code in (200, 202)
    server.refresh_from_db()
    assert (server.login_refused, server.reseller_password) == ("", RESELLER_PASSWORD)
    assert [operation_run(op.pk) for op in ops] == ["succeeded"] * 3
    assert {panel.state.customer(s.domain)["settled_status"] for s in services} == {"disabled"}
    incident = Incident.objects.get(resolved_at=None)
    assert incident.recovered_at is not None, "the panel accepts the reseller again"
    with time_machine.travel(incident.recovered_at + timedelta(minutes=31)):
        monitoring_sweep()  # resolved once the quiet period has passed
    assert not Incident.objects.filter(resolved_at=None).exists()


def test_a_test_connection_that_gets_in_releases_the_queue(services, server, panel):
    ops = [queued("SuspendAccount", s) for s in services]
    with time_machine.travel(START, tick=False) as clock:
        operation_run(ops[0].pk)
        test = server_connection_test(server, requested_by="admin")
        assert test.state == "failed", "a Test Connection runs while held, and says what failed"
        panel.state.resellers["reseller1"].password = "typo-in-bridge"  # fixed on the panel
        clock.shift(31)  # two failures: the panel makes the address wait 30 s
        assert server_connection_test(server, requested_by="admin").state == "succeeded"
        assert panel.state.login_records == {}, "made in the failed login's session"
        server.refresh_from_db()
        assert server.login_refused == ""
        assert [operation_run(op.pk) for op in ops] == ["succeeded"] * 3


def test_a_new_password_typed_on_the_servers_page_releases_the_queue(
    services, server, panel, admin_client
):
    op = queued("SuspendAccount", services[0])
    operation_run(op.pk)
    form = {
        "name": server.name,
        "whmcs_id": server.whmcs_id,
        "active": "on",
        "hostname": server.hostname,
        "endpoint_path": "/kaziwhmcs",
        "reseller_username": "reseller1",
        "reseller_password": RESELLER_PASSWORD,
    }
    url = reverse("admin:provisioning_server_change", args=[server.pk])
    assert admin_client.post(url, form).status_code == 302
    server.refresh_from_db()
    assert server.login_refused == ""
    assert operation_run(op.pk) == "succeeded"


def test_a_refusal_of_credentials_replaced_meanwhile_holds_nothing(services, server, panel):
    held = Server.objects.get(pk=server.pk)  # as a worker read it: the typo
    with pytest.raises(PanelLoginRefused), panel_access(held) as target:
        # WHMCS sends the right password while this call, with the old one, is in flight.
        Server.objects.filter(pk=server.pk).update(reseller_password=RESELLER_PASSWORD)
        panel_client.suspend(target, services[0].domain)
    server.refresh_from_db()
    assert server.login_refused == ""
    assert operation_run(queued("SuspendAccount", services[1]).pk) == "succeeded"
