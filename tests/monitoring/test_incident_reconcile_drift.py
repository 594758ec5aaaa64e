"""Reconciliation drift on a server is an incident: opened by the run that finds it,
repeated silently by the next ones, resolved by a run that finds none."""

import pytest
from django.core import mail

from provisioning.models import Incident
from provisioning.monitoring.alerts import alerts_deliver
from provisioning.operations.reconcile import reconcile_run
from tests.factories import ServiceFactory, bridge_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_bridge_account(server, panel):
    bridge_account(server, panel)  # what the reseller's list is checked against


def test_drift_opens_one_incident_per_server_until_a_run_finds_none(server, panel, alerting):
    panel.state.seed_customer("stray.example.com", reseller="reseller1")
    first = reconcile_run(requested_by="test")
    incident = Incident.objects.get()
    assert (incident.kind, incident.server, incident.report) == ("reconcile-drift", server, first)
    assert incident.detail == "1 on the panel only (stray.example.com)"
    assert alerts_deliver() == 2
    assert mail.outbox[0].subject == f"[kaziwhmcs] Reconciliation drift on server {server}"
    assert "1 on the panel only (stray.example.com)" in alerting.texts[0]

    reconcile_run(requested_by="test")
    incident.refresh_from_db()
    assert incident.occurrences == 2 and alerts_deliver() == 0

    ServiceFactory(
        server=server, domain="stray.example.com", domain_ascii="stray.example.com", on_panel=True
    )
    last = reconcile_run(requested_by="test")
    incident.refresh_from_db()
    assert incident.resolution == f"no drift in reconciliation #{last.pk}"
    assert alerts_deliver() == 2
    assert mail.outbox[-1].subject.startswith("[kaziwhmcs] Resolved: Reconciliation drift")


def test_a_server_that_could_not_be_compared_keeps_its_incident(server, panel, alerting):
    panel.state.seed_customer("stray.example.com", reseller="reseller1")
    reconcile_run(requested_by="test")
    panel.state.add_fault("usage_unsupported")
    reconcile_run(requested_by="test")
    assert Incident.objects.get().is_open
