"""One worker step at a time: classified failures, backoff, the retry limit, ordering."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from provisioning.models import Attempt, Operation, Service
from provisioning.operations.sweep import operations_sweep
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(server):
    return ServiceFactory(server=server, domain="shop.example.com", domain_ascii="shop.example.com")


def test_a_transient_failure_is_retried_after_a_backoff(service, panel):
    panel.state.add_fault("http500", count=1)
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "retrying"
    op.refresh_from_db()
    assert (op.state, op.attempts) == ("retrying", 1)
    assert op.result.startswith("An unexpected error occurred")
    assert op.next_attempt_at > timezone.now() + timedelta(seconds=40)

    assert operation_run(op.pk) is None, "not due yet"
    with time_machine.travel(op.next_attempt_at + timedelta(seconds=1)):
        assert operations_sweep() == 1
        assert operation_run(op.pk) == "succeeded"
    op.refresh_from_db()
    assert (op.state, op.attempts, op.result) == ("succeeded", 2, "success")
    assert list(op.attempt_set.values_list("outcome", flat=True)) == ["unknown", "succeeded"]
    assert Service.objects.get().status == "active"


def test_a_refusal_fails_at_once_with_the_panels_text(service, panel):
    service.product.plan_name = "Gold"
    service.product.save()
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    assert op.result == "KaziWhmcs: The 'Gold' hosting plan doesn't exists"
    assert op.attempts == 1 and op.attempt_set.get().outcome == Attempt.Outcome.PERMANENT
    assert Service.objects.get().status == "pending"


def test_a_password_the_panel_echoes_is_masked(service, panel):
    service.password = "abc12"  # under the panel's minimum length
    service.save()
    op = queued("CreateAccount", service, source="admin")
    operation_run(op.pk)
    op.refresh_from_db()
    assert op.result == "KaziWhmcs: '***' is not a valid password"
    assert "abc12" not in op.attempt_set.get().answer


@override_settings(OPERATION_MAX_ATTEMPTS=3)
def test_it_fails_after_the_last_attempt(service, panel):
    panel.state.add_fault("garbage")
    op = queued("CreateAccount", service, source="admin")
    for _ in range(2):
        assert operation_run(op.pk) == "retrying"
        op.refresh_from_db()
        with time_machine.travel(op.next_attempt_at + timedelta(seconds=1), tick=False):
            pass
        Operation.objects.filter(pk=op.pk).update(next_attempt_at=timezone.now())
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    assert (op.state, op.attempts) == ("failed", 3)
    assert "Not a KaziWhmcs answer" in op.result


def test_operations_of_one_service_run_in_order(active_service, panel):
    first = queued("SuspendAccount", active_service, source="admin")
    second = queued("UnsuspendAccount", active_service, source="admin")
    assert operation_run(second.pk) is None, "waits for the first"
    assert Operation.objects.get(pk=second.pk).state == "queued"
    assert operation_run(first.pk) == "succeeded"
    assert operation_run(second.pk) == "succeeded"
    assert [r["action"] for r in panel.state.requests] == ["suspend", "unsuspend"]


def test_running_twice_calls_the_panel_once(service, panel):
    op = queued("CreateAccount", service, source="admin")
    assert operation_run(op.pk) == "succeeded"
    assert operation_run(op.pk) is None
    assert len(panel.state.requests_for("create")) == 1
