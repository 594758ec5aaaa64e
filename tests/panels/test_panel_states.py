"""States read right: the panel's transitional states, and what a customer login can tell."""

import pytest
import time_machine
from django.test import override_settings

from provisioning.operations.worker import operation_run
from provisioning.panels.access import panel_access
from provisioning.panels.imscp import client as panel_client
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

START = 1_900_000_000


def login_result(server, service):
    with panel_access(server) as target:
        return panel_client.customer_login_check(target, service.domain_ascii, service.password)


def test_suspend_and_unsuspend_pass_through_the_daemons_states(active_service, server, panel):
    panel.state.configure(daemon_seconds=5)
    with time_machine.travel(START, tick=False) as clock:
        assert operation_run(queued("SuspendAccount", active_service).pk) == "succeeded"
        assert panel.state.customer("shop.example.com")["status"] == "todisable"
        clock.shift(5)
        assert panel.state.customer("shop.example.com")["status"] == "disabled"
        assert operation_run(queued("UnsuspendAccount", active_service).pk) == "succeeded"
        assert panel.state.customer("shop.example.com")["status"] == "toenable"
        assert login_result(server, active_service) == panel_client.LoginResult.UNUSABLE
        clock.shift(5)
        assert login_result(server, active_service) == panel_client.LoginResult.OK


@pytest.mark.parametrize("status", ["toadd", "tochange", "todisable", "toenable", "error"])
def test_a_login_sent_back_is_not_read_as_suspended(active_service, server, panel, status):
    panel.state.customers["shop.example.com"].status = status
    assert login_result(server, active_service) == panel_client.LoginResult.UNUSABLE


@override_settings(PANEL_READ_TIMEOUT=0.3)
def test_a_suspend_whose_outcome_is_unknown_is_simply_sent_again(active_service, panel):
    panel.state.add_fault("act_then_timeout", action="suspend", count=1, seconds=1.0)
    op = queued("SuspendAccount", active_service)
    with time_machine.travel(START, tick=False) as clock:
        assert operation_run(op.pk) == "retrying"
        clock.shift(3600)
        assert operation_run(op.pk) == "succeeded"
    assert len(panel.state.requests_for("suspend")) == 2
    assert list(panel.state.login_log) == [], "no customer login to guess the state"
    assert panel.state.customer("shop.example.com")["status"] == "disabled"


def test_the_bridge_never_logs_in_with_an_empty_password(active_service, server):
    with panel_access(server) as target, pytest.raises(ValueError, match="needs the account"):
        panel_client.customer_login_check(target, active_service.domain_ascii, "")
