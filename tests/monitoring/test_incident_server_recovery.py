"""Any successful call to a panel counts toward ending its server incident: an
operation's, an admin's Test Connection, a usage import, a reconciliation."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from provisioning.admin.service_actions import server_connection_test, server_usage_import
from provisioning.models import Incident
from provisioning.operations.reconcile import reconcile_run
from provisioning.operations.worker import operation_run
from provisioning.tasks import monitoring_sweep
from tests.factories import ServiceFactory, bridge_account
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(server, panel, alerting):
    """Three calls in a row answered 502 by a proxy: the server's incident, its queue
    paused for a minute."""
    panel.state.add_fault("garbage", status=502, count=3)
    for _ in range(3):
        op = queued("CreateAccount", ServiceFactory(server=server))
        assert operation_run(op.pk) == "retrying"
    return Incident.objects.get(kind="server-problem")


def resolved_after_quiet_period(incident, recovered) -> str:
    """The incident's resolution once the quiet period after `recovered` has passed."""
    incident.refresh_from_db()
    assert (incident.resolved_at, incident.recovered_at) == (None, recovered)
    with time_machine.travel(recovered + timedelta(minutes=31)):
        monitoring_sweep()
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    return incident.resolution


def test_a_successful_test_connection_counts(incident, server):
    recovered = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(recovered, tick=False):
        op = server_connection_test(server, requested_by="admin")
        assert op.state == "succeeded"
    resolution = resolved_after_quiet_period(incident, recovered)
    assert resolution.startswith(f"the panel answered TestConnection (operation #{op.pk})")


def test_a_successful_usage_import_counts(incident, server):
    recovered = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(recovered, tick=False):
        op, _ = server_usage_import(server, requested_by="admin")
        assert operation_run(op.pk) == "succeeded"
    resolution = resolved_after_quiet_period(incident, recovered)
    assert resolution.startswith(f"the panel answered UsageUpdate (operation #{op.pk})")


def test_a_reconciliation_that_compared_the_server_counts(incident, server, panel):
    bridge_account(server, panel)  # what the reseller's list is checked against
    recovered = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(recovered, tick=False):
        report = reconcile_run(requested_by="test")
    assert not report.report["servers"][0]["error"]
    resolution = resolved_after_quiet_period(incident, recovered)
    assert resolution.startswith(f"reconciliation #{report.pk} compared it")


def test_a_reconciliation_that_could_not_reach_the_server_does_not(incident, server):
    report = reconcile_run(requested_by="test")  # the queue is paused: not compared
    assert report.report["servers"][0]["error"]
    incident.refresh_from_db()
    assert incident.recovered_at is None
