"""A termination queued behind waiting work supersedes it, visibly, never silently."""

from datetime import timedelta

import pytest
from django.utils import timezone

from provisioning.models import Operation
from provisioning.operations.worker import operation_run
from provisioning.whmcs.webhooks import operation_json
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(active_service):
    return active_service


def test_a_termination_supersedes_the_waiting_suspend_and_password_change(service, panel):
    suspend = queued("SuspendAccount", service)
    password = queued("ChangePassword", service, secret="N3w-password")
    terminate = queued("TerminateAccount", service)

    for op in (suspend, password):
        op.refresh_from_db()
        assert op.state == "superseded"
        assert op.result == f"Superseded by TerminateAccount #{terminate.pk}: not carried out"
        assert op.finished_at is not None and op.secret == ""
        assert operation_run(op.pk) is None, "a superseded operation never runs"

    assert operation_run(terminate.pk) == "succeeded", "nothing left in front of it"
    assert [r["action"] for r in panel.state.requests] == ["terminate"]
    # WHMCS knows five states: superseded work reads as failed, with the reason.
    assert operation_json(suspend)["state"] == "failed"
    assert operation_json(suspend)["result"].startswith("Superseded by TerminateAccount")


def test_a_suspend_waiting_for_its_retry_is_superseded_too(service, panel):
    panel.state.add_fault("http500", count=1)
    suspend = queued("SuspendAccount", service)
    assert operation_run(suspend.pk) == "retrying"
    terminate = queued("TerminateAccount", service)
    suspend.refresh_from_db()
    assert (suspend.state, suspend.attempts, suspend.next_attempt_at) == ("superseded", 1, None)
    assert operation_run(terminate.pk) == "succeeded"


def test_an_operation_a_worker_holds_is_not_superseded_and_the_termination_waits(service, panel):
    suspend = queued("SuspendAccount", service)
    Operation.objects.filter(pk=suspend.pk).update(
        state="running", attempts=1, updated_at=timezone.now()
    )
    terminate = queued("TerminateAccount", service)
    assert Operation.objects.get(pk=suspend.pk).state == "running"
    assert operation_run(terminate.pk) is None, "waits for the running suspend"
    assert Operation.objects.get(pk=terminate.pk).state == "queued"


def test_a_pending_create_is_kept_in_front_of_the_termination(server, panel):
    service = ServiceFactory(
        server=server, domain="new.example.com", domain_ascii="new.example.com"
    )
    create = queued("CreateAccount", service)
    terminate = queued("TerminateAccount", service)
    assert Operation.objects.get(pk=create.pk).state == "queued"
    assert operation_run(terminate.pk) is None
    assert operation_run(create.pk) == "succeeded"
    assert operation_run(terminate.pk) == "succeeded"
    assert panel.state.customer("new.example.com")["status"] == "todelete"


def test_operations_of_other_services_are_untouched(service, server, panel):
    other = ServiceFactory(server=server, status="active")
    other_suspend = queued("SuspendAccount", other)
    queued("TerminateAccount", service)
    assert Operation.objects.get(pk=other_suspend.pk).state == "queued"


def test_a_retrying_operation_shows_its_attempts_and_next_attempt_time(service, panel):
    panel.state.add_fault("http500", count=1)
    suspend = queued("SuspendAccount", service)
    operation_run(suspend.pk)
    suspend.refresh_from_db()
    data = operation_json(suspend)
    assert (data["state"], data["attempts"]) == ("retrying", 1)
    assert data["next_attempt_at"] == suspend.next_attempt_at.isoformat()
    assert suspend.next_attempt_at > timezone.now() + timedelta(seconds=30)
