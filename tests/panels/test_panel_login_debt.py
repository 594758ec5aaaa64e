"""The failed-login session the bridge clears is the one the panel counts.

The panel keeps one count per address, started by the first failed login; only a good
login in that session clears it (protocol, "Brute-force protection")."""

import pytest
import requests
import time_machine

from provisioning.models import Server
from provisioning.operations.worker import operation_run
from provisioning.panels.access import debt_record, panel_access
from provisioning.panels.imscp import client as panel_client
from tests.factories import changed_password_services
from tests.operation_requests import queued
from tests.panel_fixtures import plugin_post

pytestmark = pytest.mark.django_db

START = 1_900_000_000


def failed_login_session(panel) -> str:
    """A failed reseller login in a panel session of its own; returns that session."""
    with requests.Session() as session:
        plugin_post(panel, "usageupdate", reseller_pass="bad", session=session)
        return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


@pytest.fixture
def services(server, panel):
    return changed_password_services(server, panel, ["a.example.com", "b.example.com"])


def test_a_later_failed_session_never_replaces_the_first(services, server, panel):
    with time_machine.travel(START, tick=False) as clock:
        first, second = failed_login_session(panel), failed_login_session(panel)
        debt_record(server, first)
        debt_record(server, second)
        server.refresh_from_db()
        assert server.login_debt == first
        assert panel.state.login_records["127.0.0.1"].count == 2

        clock.shift(31)  # the panel's wait after two attempts
        assert operation_run(queued("SuspendAccount", services[0]).pk) == "succeeded"
    server.refresh_from_db()
    assert server.login_debt == ""
    assert panel.state.login_records == {}, "the call was made in the session that counts"


def test_of_two_failures_in_flight_the_one_sent_first_is_the_debt(services, server, panel):
    """Two workers' logins failed at once: the panel's count is the first to arrive's,
    whichever worker records its failure first."""
    with time_machine.travel(START, tick=False) as clock:
        first, second = failed_login_session(panel), failed_login_session(panel)
        debt_record(server, second, sent_at=START + 0.2)  # the later one, recorded first
        debt_record(server, first, sent_at=START + 0.1)
        debt_record(server, second, sent_at=START + 0.2)
        server.refresh_from_db()
        assert server.login_debt == first
        clock.shift(31)
        assert operation_run(queued("SuspendAccount", services[0]).pk) == "succeeded"
    assert panel.state.login_records == {}, "paid in the session the panel counts"


def test_a_debt_recorded_meanwhile_is_paid_by_the_next_call(services, server, panel):
    with panel_access(server) as target:
        panel_client.suspend(target, "a.example.com")
        # Another worker's login fails now, while this one still talks to the panel.
        debt_record(Server.objects.get(pk=server.pk), failed_login_session(panel))
        panel_client.suspend(target, "b.example.com")
    server.refresh_from_db()
    assert server.login_debt == ""
    assert panel.state.login_records == {}


def test_a_call_in_another_session_leaves_the_debt(services, server, panel):
    debt = failed_login_session(panel)
    debt_record(server, debt)
    with panel_access(server) as target:
        target.session_got_in("iMSCP_Session=another")
    server.refresh_from_db()
    assert server.login_debt == debt


def test_a_refused_customer_login_is_owed_before_the_clearing_call(
    services, server, panel, monkeypatch
):
    """A worker killed between the two calls leaves the debt recorded for the next one."""

    def killed(*args, **kwargs):
        raise SystemExit("the worker was killed here")  # no handler of the bridge runs

    monkeypatch.setattr(panel_client, "connection_test", killed)
    with pytest.raises(SystemExit), panel_access(server) as target:
        panel_client.customer_login_check(target, "a.example.com", "Old-password-1")
    monkeypatch.undo()
    server.refresh_from_db()
    assert server.login_debt.startswith("iMSCP_Session=")
    assert panel.state.login_records["127.0.0.1"].count == 1
    assert operation_run(queued("SuspendAccount", services[1]).pk) == "succeeded"
    server.refresh_from_db()
    assert server.login_debt == ""
    assert panel.state.login_records == {}
