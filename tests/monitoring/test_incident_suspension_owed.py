"""A suspension owed for longer than ALERT_SUSPENSION_OWED_MINUTES is an incident:
opened once by the minutely sweep, silent while owed, resolved once it is carried out."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from provisioning.models import Incident
from provisioning.monitoring.alerts import alerts_deliver
from provisioning.monitoring.suspension_incidents import suspension_incidents_check
from provisioning.operations.accepting import operation_request
from provisioning.operations.worker import operation_run
from provisioning.tasks import monitoring_sweep
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def owed(active_service, panel):
    """A suspension the panel keeps answering 500 to: retrying, owed since now."""
    panel.state.add_fault("http500", count=1)
    op = queued("SuspendAccount", active_service)
    assert operation_run(op.pk) == "retrying"
    op.refresh_from_db()
    return op


def test_a_suspension_owed_for_less_than_the_setting_is_no_incident(owed, alerting):
    with time_machine.travel(owed.created_at + timedelta(minutes=59)):
        assert suspension_incidents_check() == (0, 0)
    assert Incident.objects.count() == 0


def test_a_suspension_owed_too_long_opens_one_incident_and_one_alert(owed, alerting, settings):
    settings.ALERT_SUSPENSION_OWED_MINUTES = 30
    with time_machine.travel(owed.created_at + timedelta(minutes=31)):
        assert monitoring_sweep() == 2, "the sweep opens it and sends both alerts"
    incident = Incident.objects.get()
    assert (incident.kind, incident.service_id, incident.operation_id) == (
        "suspension-owed",
        owed.service_id,
        owed.pk,
    )
    assert incident.title == "Suspension of shop.example.com owed for 31 minutes"
    assert "retrying" in incident.detail and "An unexpected error occurred" in incident.detail
    assert mail.outbox[0].subject == f"[kaziwhmcs] {incident.title}"
    assert "Domain: shop.example.com" in alerting.texts[0]

    with time_machine.travel(owed.created_at + timedelta(minutes=45)):
        assert suspension_incidents_check() == (0, 0), "still owed: nothing new"
        assert alerts_deliver() == 0


def test_the_suspension_carried_out_resolves_it(owed, alerting):
    with time_machine.travel(owed.next_attempt_at + timedelta(minutes=61)):
        assert suspension_incidents_check() == (1, 0)
        assert operation_run(owed.pk) == "succeeded"
        assert suspension_incidents_check() == (0, 1)
        assert alerts_deliver() == 4
    incident = Incident.objects.get()
    assert incident.resolution == "the suspension is no longer owed"
    assert mail.outbox[-1].subject.startswith("[kaziwhmcs] Resolved: Suspension of shop.example")
    assert alerting.texts[-1].startswith("RESOLVED: Suspension of shop.example.com")


@pytest.fixture
def failed_for_good(active_service, panel, settings):
    """A suspension that failed for good: WHMCS will send it again the next day."""
    settings.OPERATION_MAX_ATTEMPTS = 1
    panel.state.add_fault("http500")
    op = queued("SuspendAccount", active_service)
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    return op


def test_a_suspension_sent_again_keeps_the_incident_open_for_the_whole_debt(
    failed_for_good, alerting
):
    start = failed_for_good.created_at
    with time_machine.travel(start + timedelta(minutes=61)):
        assert suspension_incidents_check() == (1, 0)
    for day in (1, 2):
        with time_machine.travel(start + timedelta(days=day)):
            resent = queued("SuspendAccount", failed_for_good.service)
            assert operation_run(resent.pk) == "failed"
        with time_machine.travel(start + timedelta(days=day, minutes=5)):
            assert suspension_incidents_check() == (0, 0), "still owed: not resolved"
    incident = Incident.objects.get(kind="suspension-owed")
    assert incident.resolved_at is None
    events = list(incident.alerts.values_list("event", flat=True))
    assert events == ["opened", "opened"], "one Opened alert per channel, nothing else"


def test_a_service_owed_longer_than_the_setting_opens_it_even_if_sent_again_lately(
    failed_for_good, alerting
):
    start = failed_for_good.created_at
    with time_machine.travel(start + timedelta(minutes=50)):
        resent = queued("SuspendAccount", failed_for_good.service)
        assert operation_run(resent.pk) == "failed"
    with time_machine.travel(start + timedelta(minutes=61)):
        assert suspension_incidents_check() == (1, 0)
    incident = Incident.objects.get(kind="suspension-owed")
    assert incident.title == "Suspension of shop.example.com owed for 61 minutes"


def test_an_admins_unsuspend_ends_it(owed, alerting):
    with time_machine.travel(owed.created_at + timedelta(minutes=61)):
        assert suspension_incidents_check() == (1, 0)
        queued("UnsuspendAccount", owed.service, source="admin")
        assert suspension_incidents_check() == (0, 1)
    assert Incident.objects.get().resolution == "the suspension is no longer owed"


def test_a_termination_ends_it_once_it_succeeds(owed, alerting):
    with time_machine.travel(owed.created_at + timedelta(minutes=61)):
        assert suspension_incidents_check() == (1, 0)
        terminate = queued("TerminateAccount", owed.service, source="admin")
        assert suspension_incidents_check() == (0, 0), "a termination not carried out yet"
        assert operation_run(terminate.pk) == "succeeded"
        assert suspension_incidents_check() == (0, 1)
    assert Incident.objects.get().resolution == "the suspension is no longer owed"


def test_an_unsuspend_ends_it_for_a_service_the_bridge_created(server, panel, alerting, settings):
    service = ServiceFactory(server=server, domain="new.example.com")
    assert operation_run(queued("CreateAccount", service).pk) == "succeeded"
    settings.OPERATION_MAX_ATTEMPTS = 1
    panel.state.add_fault("http500", count=1)
    suspend = queued("SuspendAccount", service)
    assert operation_run(suspend.pk) == "failed"
    with time_machine.travel(suspend.created_at + timedelta(minutes=61)):
        assert suspension_incidents_check() == (1, 0)
        # Billing changed its mind: the account is active, the create answers for it no
        # more (the failed suspension came after it).
        queued_or_answered = operation_request(
            "UnsuspendAccount", server=server, service=service, source="webhook"
        )[0]
        assert queued_or_answered.command == "UnsuspendAccount"
        monitoring_sweep()
    assert not Incident.objects.filter(resolved_at=None).exists(), "both incidents ended"
