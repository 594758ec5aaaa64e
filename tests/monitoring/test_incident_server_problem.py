"""A server unreachable, locking the bridge out or refusing its login is one incident per
server: opened once the problem lasts (PANEL_PAUSE_AFTER_FAILURES calls in a row that
cannot reach it, a lock-out, a refused login), silent while it lasts, resolved after
ALERT_SERVER_QUIET_MINUTES without a failure since a successful call."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from provisioning.models import Incident
from provisioning.monitoring.alerts import alerts_deliver
from provisioning.operations.worker import operation_run
from provisioning.tasks import monitoring_sweep
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


def test_an_unreachable_server_opens_an_incident_at_the_third_call_in_a_row(
    service, panel, alerting
):
    server = service.server
    server.hostname = f"127.0.0.1:{free_port()}"
    server.save()
    assert run_create(service) == "retrying"
    assert run_create(ServiceFactory(server=server)) == "retrying"
    assert not Incident.objects.exists(), "two calls in a row may be a flap"
    assert run_create(ServiceFactory(server=server)) == "retrying"
    incident = Incident.objects.get()
    assert (incident.kind, incident.server) == ("server-problem", server)
    assert incident.detail.startswith("unreachable: Cannot connect to the panel") or (
        incident.detail.startswith("unreachable: Connection to the panel failed")
    )
    assert alerts_deliver() == 2
    assert mail.outbox[0].subject.startswith(f"[kaziwhmcs] Server {server}: unreachable")


def test_a_success_starts_a_quiet_period_at_whose_end_the_sweep_resolves_it(
    service, panel, alerting
):
    server = service.server
    panel.state.add_fault("garbage", status=502, count=3)
    for _ in range(3):
        assert run_create(ServiceFactory(server=server)) == "retrying"
    incident = Incident.objects.get()
    assert alerts_deliver() == 2

    recovered = timezone.now() + timedelta(minutes=2)  # past the one-minute pause
    with time_machine.travel(recovered):
        assert run_create(service) == "succeeded"
    incident.refresh_from_db()
    assert incident.resolved_at is None, "one success is no proof"
    assert incident.recovered_at is not None
    with time_machine.travel(recovered + timedelta(minutes=29)):
        monitoring_sweep()
    incident.refresh_from_db()
    assert incident.resolved_at is None
    with time_machine.travel(recovered + timedelta(minutes=30, seconds=1)):
        assert monitoring_sweep() == 2, "the sweep resolves it and sends both alerts"
    incident.refresh_from_db()
    assert incident.resolution.startswith("the panel answered CreateAccount (operation #")
    assert incident.resolution.endswith(", and no call failed in the 30 minutes since")
    assert alerting.texts[-1].startswith(f"RESOLVED: Server {server}: unreachable")


def test_a_failure_in_the_quiet_period_starts_it_again(service, panel, alerting):
    server = service.server
    panel.state.add_fault("garbage", status=502, count=3)
    for _ in range(3):
        run_create(ServiceFactory(server=server))
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=2)):
        assert run_create(service) == "succeeded"
    with time_machine.travel(start + timedelta(minutes=20)):
        panel.state.add_fault("garbage", status=502, count=1)
        assert run_create(ServiceFactory(server=server)) == "retrying"
    with time_machine.travel(start + timedelta(minutes=21)):
        assert run_create(ServiceFactory(server=server)) == "succeeded"
    with time_machine.travel(start + timedelta(minutes=40)):
        monitoring_sweep()
    incident = Incident.objects.get()
    assert incident.resolved_at is None and incident.occurrences == 2
    with time_machine.travel(start + timedelta(minutes=52)):
        monitoring_sweep()
    incident.refresh_from_db()
    assert incident.resolved_at is not None


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


def test_a_proxy_saying_the_panel_is_down_counts_an_answer_of_another_kind_does_not(service, panel):
    panel.state.add_fault("garbage", status=200, count=3)
    for _ in range(3):
        assert run_create(ServiceFactory(server=service.server)) == "retrying"
    assert not Incident.objects.filter(kind="server-problem").exists()
    panel.state.add_fault("garbage", status=502)
    for _ in range(3):
        assert run_create(ServiceFactory(server=service.server)) == "retrying"
    detail = Incident.objects.get(kind="server-problem").detail
    assert detail.startswith("unreachable: Not a KaziWhmcs answer (HTTP 502)")


def test_a_panel_that_does_not_answer_in_time_opens_it(service, panel, settings):
    settings.PANEL_READ_TIMEOUT = 0.2
    panel.state.add_fault("delay", seconds=1.0, count=3)
    for _ in range(3):
        assert run_create(ServiceFactory(server=service.server)) == "retrying"
    detail = Incident.objects.get(kind="server-problem").detail
    assert detail == "unreachable: The panel did not answer within 0.2 s"


def test_a_tls_error_opens_it(service, panel):
    server = service.server
    server.secure = True  # https to the emulator's plain http: no TLS handshake
    server.save()
    for _ in range(3):
        assert run_create(ServiceFactory(server=server)) == "retrying"
    detail = Incident.objects.get(kind="server-problem").detail
    assert detail.startswith("unreachable: TLS error talking to the panel")
