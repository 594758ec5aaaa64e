"""The bridge never locks itself out of a panel, and waits out a lock-out it meets.

The emulator's brute-force protection is on with the panel's defaults (2 attempts before
a 30 s wait, 3 before a 30 min block, one counter per address, cleared only by a good
login in the session of the failure)."""

import pytest
import requests
import time_machine
from django.test import override_settings
from django.utils import timezone

from provisioning.models import Attempt, Operation, Server
from provisioning.operations.reconcile import reconcile_run
from provisioning.operations.worker import operation_run
from provisioning.panels.access import panel_access, server_hold_lift, server_turn
from provisioning.panels.imscp import client as panel_client
from tests.factories import changed_password_services
from tests.operation_requests import queued
from tests.panel_fixtures import plugin_post

pytestmark = pytest.mark.django_db

START = 1_900_000_000


@pytest.fixture
def services(server, panel):
    return changed_password_services(
        server, panel, ["a.example.com", "b.example.com", "c.example.com"]
    )


def test_failed_customer_logins_leave_no_count_behind(services, server, panel):
    for service in services * 2:
        with panel_access(server) as target:
            seen = panel_client.customer_login_check(target, service.domain, service.password)
        assert seen == panel_client.LoginResult.REFUSED
    assert panel.state.login_records == {}
    for service in services:
        assert operation_run(queued("SuspendAccount", service).pk) == "succeeded"


def test_daily_reconciliations_with_changed_passwords_never_lock_the_bridge_out(
    services, server, panel
):
    for _ in range(4):
        report = reconcile_run()
        assert "refused the login of 'a.example.com'" in report.report["servers"][0]["degraded"]
    assert panel.state.login_records == {}
    ops = [queued(command, s) for s in services for command in ("SuspendAccount",)]
    assert [operation_run(op.pk) for op in ops] == ["succeeded"] * 3


def test_a_typo_in_the_reseller_password_is_cleared_by_the_next_good_call(services, server, panel):
    Server.objects.filter(pk=server.pk).update(reseller_password="typo")
    server.refresh_from_db()
    test = Operation.objects.create(
        command="TestConnection",
        server=server,
        source="admin",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    assert operation_run(test.pk) == "failed"
    server.refresh_from_db()
    assert server.login_debt.startswith("iMSCP_Session=")
    assert panel.state.login_records["127.0.0.1"].count == 1

    assert server.login_refused == "KaziWhmcs: Bad password."
    server.reseller_password = "reseller-secret-1"  # the admin corrects it
    server.save()
    assert server_hold_lift(server.pk)  # what the server's form does with new credentials
    for service in services:  # another process: no cookie of its own
        assert operation_run(queued("SuspendAccount", service).pk) == "succeeded"
    server.refresh_from_db()
    assert server.login_debt == ""
    assert panel.state.login_records == {}


def lock_out(panel, server):
    """A failed login of the bridge (its session recorded as the server's debt) and a good
    call from another session: the address must wait 30 s."""
    with requests.Session() as session:
        plugin_post(panel, "usageupdate", reseller_pass="bad", session=session)
        debt = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    Server.objects.filter(pk=server.pk).update(login_debt=debt)
    plugin_post(panel, "usageupdate")


@override_settings(OPERATION_MAX_ATTEMPTS=1)
def test_a_lock_out_is_waited_out_by_every_operation_of_the_server(services, server, panel):
    first, second = (queued("SuspendAccount", s) for s in services[:2])
    with time_machine.travel(START, tick=False) as clock:
        lock_out(panel, server)
        assert operation_run(first.pk) == "retrying"
        first.refresh_from_db()
        server.refresh_from_db()
        assert first.result == "KaziWhmcs: Ip 127.0.0.1 is waiting 00:30 seconds."
        assert first.next_attempt_at == server.paused_until
        assert (server.paused_until - timezone.now()).total_seconds() == pytest.approx(32)
        assert server.pause_reason == first.result

        assert operation_run(second.pk) is None, "the server is paused: no call"
        second.refresh_from_db()
        assert (second.state, second.attempts) == ("queued", 0)
        assert second.result == f"Waiting for the panel: {first.result}"
        calls = len(panel.state.requests)

        clock.shift(33)
        assert operation_run(second.pk) == "succeeded", "the probe"
        assert operation_run(first.pk) == "succeeded", "a lock-out used up no attempt"
        assert len(panel.state.requests) == calls + 2
    server.refresh_from_db()
    assert (server.paused_until, server.pause_reason, server.login_debt) == (None, "", "")
    assert panel.state.login_records == {}, "the probe was made in the failed login's session"
    outcomes = list(first.attempt_set.values_list("outcome", flat=True))
    assert outcomes == [Attempt.Outcome.TRANSIENT, Attempt.Outcome.SUCCEEDED]


def test_a_block_is_waited_for_as_long_as_the_panel_names(services, server, panel):
    panel.state.configure(bruteforce_style="1.2")
    op = queued("SuspendAccount", services[0])
    with time_machine.travel(START, tick=False) as clock:
        lock_out(panel, server)
        clock.shift(30)
        plugin_post(panel, "usageupdate")  # a third count elsewhere: blocked for 30 minutes
        assert operation_run(op.pk) == "retrying"
        op.refresh_from_db()
        assert op.result == "KaziWhmcs: 127.0.0.1 IP address is blocked for 30:00 minutes."
        assert (op.next_attempt_at - timezone.now()).total_seconds() == pytest.approx(1802)
        clock.shift(1802)
        assert operation_run(op.pk) == "succeeded"
    assert panel.state.customer("a.example.com")["settled_status"] == "disabled"


def test_only_one_operation_probes_once_the_pause_is_over(services, server, panel):
    ops = [queued("SuspendAccount", s) for s in services]
    with time_machine.travel(START, tick=False) as clock:
        lock_out(panel, server)
        assert operation_run(ops[0].pk) == "retrying"
        clock.shift(33)
        server.refresh_from_db()
        assert server_turn(server, timezone.now()) is None, "this one probes"
        waiting_for_probe = Server.objects.get(pk=server.pk)
        assert server_turn(waiting_for_probe, timezone.now()) is not None, "the others wait"
