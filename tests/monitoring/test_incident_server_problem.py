"""A server unreachable, locking the bridge out or refusing its login is one incident per
server: opened by the attempt that meets it, silent while it lasts, resolved by the next
successful call."""

import pytest
from django.core import mail

from provisioning.models import Incident
from provisioning.monitoring.alerts import alerts_deliver
from provisioning.operations.worker import operation_run
from tests.factories import RESELLER, RESELLER_PASSWORD, ServiceFactory
from tests.operation_requests import queued
from tests.ports import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(server):
    return ServiceFactory(server=server, domain="shop.example.com", domain_ascii="shop.example.com")


def run_create(service) -> str:
    op = queued("CreateAccount", service, source="admin")
    return operation_run(op.pk)


def test_an_unreachable_server_opens_an_incident_once_and_the_next_success_resolves_it(
    service, panel, alerting
):
    server = service.server
    server.hostname = f"127.0.0.1:{free_port()}"
    server.save()
    assert run_create(service) == "retrying"
    incident = Incident.objects.get()
    assert (incident.kind, incident.server) == ("server-problem", server)
    assert incident.detail.startswith("unreachable: Cannot connect to the panel") or (
        incident.detail.startswith("unreachable: Connection to the panel failed")
    )
    assert alerts_deliver() == 2
    assert mail.outbox[0].subject.startswith(f"[kaziwhmcs] Server {server}: unreachable")

    second = ServiceFactory(server=server)
    assert run_create(second) == "retrying"
    incident.refresh_from_db()
    assert incident.occurrences == 2 and alerts_deliver() == 0

    server.hostname = panel.host_port
    server.save()
    assert run_create(ServiceFactory(server=server)) == "succeeded"
    incident.refresh_from_db()
    assert incident.resolved_at is not None and "the panel answered CreateAccount" in (
        incident.resolution
    )
    assert alerts_deliver() == 2
    assert alerting.texts[-1].startswith(f"RESOLVED: Server {server}: unreachable")


def test_a_bridge_locked_out_by_the_panels_brute_force_protection_opens_it(
    service, panel, alerting
):
    # A failed login elsewhere, counted up by a good one from another session: wait.
    assert panel.state.authenticate(RESELLER, "wrong", "127.0.0.1", "elsewhere")[0] is None
    assert panel.state.authenticate(RESELLER, RESELLER_PASSWORD, "127.0.0.1", "other")[0]
    assert run_create(service) == "retrying"
    incident = Incident.objects.get(kind="server-problem")
    assert incident.detail.startswith("locked out by the panel's brute-force protection: ")
    assert "is waiting" in incident.detail


def test_a_refused_reseller_login_opens_it_and_the_command_waits(service, panel, alerting):
    service.server.reseller_password = "not-the-password"
    service.server.save()
    assert run_create(service) == "retrying", "the server's queue is held, not failed"
    kinds = dict(Incident.objects.values_list("kind", "detail"))
    assert kinds == {
        "server-problem": "the panel refuses the reseller's login: KaziWhmcs: Bad password."
    }


def test_a_refusal_about_an_account_is_no_server_problem(service, panel):
    service.product.plan_name = "Gold"
    service.product.save()
    assert run_create(service) == "failed"
    assert not Incident.objects.filter(kind="server-problem").exists()


def test_a_proxy_saying_the_panel_is_down_opens_it_an_answer_of_another_kind_does_not(
    service, panel
):
    panel.state.add_fault("garbage", status=200, count=1)
    assert run_create(service) == "retrying"
    assert not Incident.objects.filter(kind="server-problem").exists()
    panel.state.add_fault("garbage", status=502)
    assert run_create(ServiceFactory(server=service.server)) == "retrying"
    detail = Incident.objects.get(kind="server-problem").detail
    assert detail.startswith("unreachable: Not a KaziWhmcs answer (HTTP 502)")
