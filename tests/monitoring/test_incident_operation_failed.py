"""A service's command that fails for good: one alert when it opens, silence while it
repeats, one "resolved" when the command later succeeds."""

import pytest
from django.core import mail

from provisioning.models import Alert, Incident
from provisioning.monitoring.alerts import alerts_deliver
from provisioning.operations.accepting import operation_request
from provisioning.operations.worker import operation_run
from provisioning.tasks import monitoring_sweep
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

REFUSAL = "KaziWhmcs: The 'Gold' hosting plan doesn't exists"


@pytest.fixture
def service(server):
    service = ServiceFactory(
        server=server, domain="shop.example.com", domain_ascii="shop.example.com"
    )
    service.product.plan_name = "Gold"
    service.product.save()
    return service


def fail_create(service) -> int:
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "failed"
    return op.pk


def test_a_failed_command_opens_an_incident_and_alerts_once_by_mail_and_webhook(
    service, panel, alerting
):
    op_id = fail_create(service)
    incident = Incident.objects.get()
    assert (incident.kind, incident.command, incident.detail) == (
        "operation-failed",
        "CreateAccount",
        REFUSAL,
    )
    assert (incident.service, incident.operation_id, incident.is_open) == (service, op_id, True)
    assert mail.outbox == [] and alerting.bodies == [], "the worker's task sends, not the run"
    assert set(Alert.objects.values_list("channel", "sent_at")) == {
        ("mail", None),
        ("webhook", None),
    }

    assert alerts_deliver() == 2
    [message] = mail.outbox
    link = f"https://bridge.example.net/admin/provisioning/incident/{incident.pk}/change/"
    assert message.subject == "[kaziwhmcs] CreateAccount failed for shop.example.com"
    assert message.to == ["ops@example.net"]
    for text in (message.body, alerting.texts[0]):
        assert text.startswith("OPEN: CreateAccount failed for shop.example.com")
        assert "Domain: shop.example.com" in text and "Command: CreateAccount" in text
        assert REFUSAL in text and link in text
    assert alerts_deliver() == 0


def test_the_same_failure_again_while_it_is_open_sends_nothing(service, panel, alerting):
    fail_create(service)
    alerts_deliver()
    fail_create(service)
    incident = Incident.objects.get()
    assert incident.occurrences == 2 and incident.is_open
    assert alerts_deliver() == 0
    assert len(mail.outbox) == 1 and len(alerting.bodies) == 1


def test_a_later_success_of_the_command_resolves_it_with_one_resolved_alert(
    service, panel, alerting
):
    fail_create(service)
    alerts_deliver()
    service.product.plan_name = "Basic"
    service.product.save()
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "succeeded"

    incident = Incident.objects.get()
    assert incident.resolved_at is not None
    assert incident.resolution == f"CreateAccount succeeded (operation #{op.pk})"
    assert alerts_deliver() == 2
    assert mail.outbox[-1].subject == (
        "[kaziwhmcs] Resolved: CreateAccount failed for shop.example.com"
    )
    assert alerting.texts[-1].startswith("RESOLVED: CreateAccount failed for shop.example.com")

    op = queued("SuspendAccount", service, source="admin")
    assert operation_run(op.pk) == "succeeded"
    assert alerts_deliver() == 0 and len(mail.outbox) == 2


def test_a_new_failure_after_the_resolution_is_a_new_incident(service, panel, alerting):
    fail_create(service)
    incident = Incident.objects.get()
    Incident.objects.filter(pk=incident.pk).update(resolved_at=incident.opened_at)
    fail_create(service)
    assert Incident.objects.filter(resolved_at=None).count() == 1
    assert Incident.objects.count() == 2
    assert alerts_deliver() == 4


def test_the_password_the_panel_echoes_never_reaches_an_alert(server, panel, alerting):
    service = ServiceFactory(server=server, password="abc12")  # under the panel's minimum
    fail_create(service)
    alerts_deliver()
    for text in (mail.outbox[0].body, alerting.texts[0]):
        assert "KaziWhmcs: '***' is not a valid password" in text
        assert "abc12" not in text


def test_without_alert_settings_the_incident_is_kept_and_nothing_is_sent(service, panel):
    fail_create(service)
    assert Incident.objects.get().is_open
    assert Alert.objects.count() == 0
    assert alerts_deliver() == 0 and mail.outbox == []


def fail_for_good(command: str, service, panel, settings) -> None:
    """The panel answers 500 to the one attempt allowed: the command fails for good."""
    settings.OPERATION_MAX_ATTEMPTS = 1
    panel.state.add_fault("http500", count=1)
    assert operation_run(queued(command, service, source="admin").pk) == "failed"
    assert Incident.objects.get(resolved_at=None, kind="operation-failed").command == command


def test_an_unsuspend_answered_as_already_in_effect_ends_a_failed_suspension(
    active_service, panel, alerting, settings
):
    fail_for_good("SuspendAccount", active_service, panel, settings)
    # Billing changed its mind: the account is active already, nothing to run.
    op, created = operation_request(
        "UnsuspendAccount", server=active_service.server, service=active_service, source="admin"
    )
    assert (created, op.state, op.request["note"]) == (False, "succeeded", "already in effect")
    monitoring_sweep()
    incident = Incident.objects.get(kind="operation-failed")
    assert incident.resolution == f"UnsuspendAccount succeeded (operation #{op.pk})"


@pytest.mark.parametrize("failed", ["SuspendAccount", "ChangePassword"])
def test_a_termination_succeeding_ends_any_of_them(
    failed, active_service, panel, alerting, settings
):
    if failed == "ChangePassword":
        settings.OPERATION_MAX_ATTEMPTS = 1
        panel.state.add_fault("http500", count=1)
        op = queued("ChangePassword", active_service, source="admin", secret="New-pass-4567")
        assert operation_run(op.pk) == "failed"
    else:
        fail_for_good(failed, active_service, panel, settings)
    op = queued("TerminateAccount", active_service, source="admin")
    assert operation_run(op.pk) == "succeeded"
    incident = Incident.objects.get(kind="operation-failed")
    assert incident.resolution == f"TerminateAccount succeeded (operation #{op.pk})"


def test_a_change_password_succeeding_does_not_end_a_failed_suspension(
    active_service, panel, alerting, settings
):
    fail_for_good("SuspendAccount", active_service, panel, settings)
    op = queued("ChangePassword", active_service, source="admin", secret="New-pass-4567")
    assert operation_run(op.pk) == "succeeded"
    assert Incident.objects.get(kind="operation-failed").resolved_at is None
