"""A suspension billing asked for stays owed (and listed) until it succeeds or an admin acts."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from provisioning.models import Operation
from provisioning.operations.accepting import operation_request, operation_retry
from provisioning.operations.debts import suspensions_owed
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(active_service):
    return active_service


def run_until_finished(op):
    while operation_run(op.pk) == "retrying":
        Operation.objects.filter(pk=op.pk).update(next_attempt_at=timezone.now())
    op.refresh_from_db()
    return op


def owed_domains():
    return [item.service.domain for item in suspensions_owed()]


def test_a_queued_suspension_is_owed_until_it_succeeds(service, panel):
    suspend = queued("SuspendAccount", service)
    assert [item.operation.pk for item in suspensions_owed()] == [suspend.pk]
    run_until_finished(suspend)
    assert owed_domains() == []


@override_settings(OPERATION_MAX_ATTEMPTS=2)
def test_a_suspension_that_keeps_failing_stays_owed(service, panel):
    panel.state.add_fault("http500")
    suspend = run_until_finished(queued("SuspendAccount", service))
    assert suspend.state == "failed"
    assert owed_domains() == ["shop.example.com"]
    assert panel.state.customer("shop.example.com")["status"] == "ok"

    panel.state.clear_faults()
    retried, _ = operation_retry(suspend, source="admin", requested_by="admin")
    assert owed_domains() == ["shop.example.com"], "still owed while the retry runs"
    assert run_until_finished(retried).state == "succeeded"
    assert owed_domains() == []


@override_settings(OPERATION_MAX_ATTEMPTS=1)
def test_an_unsuspend_from_billing_settles_the_debt(service, panel):
    panel.state.add_fault("http500", count=1)
    run_until_finished(queued("SuspendAccount", service))
    assert owed_domains() == ["shop.example.com"]
    # The account is still active: the unsuspend is answered as already in effect.
    operation_request("UnsuspendAccount", server=service.server, service=service, source="webhook")
    assert owed_domains() == []


@override_settings(OPERATION_MAX_ATTEMPTS=1)
def test_an_unsuspend_settles_the_debt_of_a_service_the_bridge_created(server, panel):
    service = ServiceFactory(server=server, domain="new.example.com")
    create = queued("CreateAccount", service)
    assert operation_run(create.pk) == "succeeded"
    panel.state.add_fault("http500", count=1)
    run_until_finished(queued("SuspendAccount", service))
    assert owed_domains() == ["new.example.com"]
    op, created = operation_request(
        "UnsuspendAccount", server=server, service=service, source="webhook"
    )
    assert not created and op.pk != create.pk, "billing's word journaled, not the create"
    assert (op.command, op.state, op.request["note"]) == (
        "UnsuspendAccount",
        "succeeded",
        "already in effect",
    )
    assert owed_domains() == []


def test_services_already_suspended_or_never_asked_are_not_listed(service, server):
    ServiceFactory(server=server, status="active")
    suspended = ServiceFactory(server=server, status="suspended")
    Operation.objects.create(
        command="SuspendAccount",
        server=server,
        service=suspended,
        state="succeeded",
        source="webhook",
        created_at=timezone.now() - timedelta(days=1),
        updated_at=timezone.now(),
    )
    assert owed_domains() == []


@override_settings(OPERATION_MAX_ATTEMPTS=1)
def test_a_termination_that_fails_after_superseding_the_suspension_keeps_it_owed(service, panel):
    suspend = queued("SuspendAccount", service)
    terminate = queued("TerminateAccount", service)
    assert Operation.objects.get(pk=suspend.pk).state == "superseded"
    panel.state.add_fault("http500", action="terminate")
    assert run_until_finished(terminate).state == "failed"

    assert panel.state.customer("shop.example.com")["status"] == "ok"
    assert [item.operation.pk for item in suspensions_owed()] == [suspend.pk]

    panel.state.clear_faults()
    retried, _ = operation_retry(terminate, source="admin", requested_by="admin")
    assert owed_domains() == ["shop.example.com"], "still owed while the retry runs"
    assert run_until_finished(retried).state == "succeeded"
    assert owed_domains() == []


@override_settings(OPERATION_MAX_ATTEMPTS=1)
def test_a_termination_that_fails_after_a_failed_suspension_keeps_it_owed(service, panel):
    panel.state.add_fault("http500")
    suspend = run_until_finished(queued("SuspendAccount", service))
    terminate = run_until_finished(queued("TerminateAccount", service))
    assert (suspend.state, terminate.state) == ("failed", "failed")
    assert [item.operation.pk for item in suspensions_owed()] == [suspend.pk]


def test_a_termination_that_succeeds_settles_the_debt(service, panel):
    queued("SuspendAccount", service)
    assert run_until_finished(queued("TerminateAccount", service)).state == "succeeded"
    assert owed_domains() == []
