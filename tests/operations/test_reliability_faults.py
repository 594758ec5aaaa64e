"""The panel breaking in each way the emulator can: retried with backoff, done once."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings

from provisioning.models import Operation, Service
from provisioning.operations.sweep import operations_sweep
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(server):
    return ServiceFactory(server=server, domain="shop.example.com", domain_ascii="shop.example.com")


def step_at_next_attempt(op, traveller):
    """Move the clock to the operation's next attempt; the sweep enqueues it; a worker runs it."""
    op.refresh_from_db()
    traveller.move_to(op.next_attempt_at + timedelta(seconds=1))
    assert operations_sweep() == 1
    return operation_run(op.pk)


def test_a_panel_down_for_an_hour_is_waited_for_with_growing_delays(service, panel):
    up = service.server.hostname
    service.server.hostname = "127.0.0.1:1"  # nothing listens: connection refused
    service.server.save()
    op = queued("CreateAccount", service)
    with time_machine.travel(op.created_at, tick=False) as traveller:
        assert operation_run(op.pk) == "retrying"
        delays = []
        for _ in range(5):
            op.refresh_from_db()
            delays.append((op.next_attempt_at - op.updated_at).total_seconds())
            assert step_at_next_attempt(op, traveller) == "retrying"
        assert all(later > earlier for earlier, later in zip(delays, delays[1:], strict=False))
        assert delays[0] < 80 and delays[-1] > 600, delays
        service.server.hostname = up  # the panel is back
        service.server.save()
        assert step_at_next_attempt(op, traveller) == "succeeded"
    op.refresh_from_db()
    assert (op.state, op.attempts, op.outcome_unknown) == ("succeeded", 7, False)
    assert len(panel.state.requests_for("create")) == 1
    assert panel.state.customer("shop.example.com")["settled_status"] == "ok"


@override_settings(PANEL_READ_TIMEOUT=0.3)
def test_an_answer_slower_than_the_read_timeout_is_retried_and_applied_once(service, panel):
    Service.objects.filter(pk=service.pk).update(status="active", on_panel=True)
    panel.state.seed_customer("shop.example.com", reseller="reseller1")
    panel.state.add_fault("delay", action="suspend", count=1, seconds=0.6)
    op = queued("SuspendAccount", service)
    with time_machine.travel(op.created_at, tick=False) as traveller:
        assert operation_run(op.pk) == "retrying"
        op.refresh_from_db()
        assert op.outcome_unknown and "did not answer within 0.3 s" in op.result
        assert step_at_next_attempt(op, traveller) == "succeeded"
    assert panel.state.customer("shop.example.com")["settled_status"] == "disabled"
    assert Service.objects.get().status == "suspended"


@pytest.mark.parametrize(
    ("fault", "options"),
    [
        ("http500", {}),
        ("garbage", {"status": 502}),
        ("garbage", {"status": 200}),
        ("drop", {}),
    ],
)
def test_a_broken_answer_before_acting_is_retried_and_creates_once(service, panel, fault, options):
    panel.state.add_fault(fault, action="create", count=2, **options)
    op = queued("CreateAccount", service)
    with time_machine.travel(op.created_at, tick=False) as traveller:
        assert operation_run(op.pk) == "retrying"
        assert step_at_next_attempt(op, traveller) == "retrying"
        assert step_at_next_attempt(op, traveller) == "succeeded"
    op.refresh_from_db()
    assert list(op.attempt_set.values_list("outcome", flat=True))[-1] == "succeeded"
    assert len(panel.state.customers) == 1
    assert [e["status"] for e in panel.state.requests_for("create")][-1] == 200


def test_an_act_then_drop_on_suspend_is_sent_again_as_the_same_operation(service, panel):
    # Suspend is idempotent on the panel, and a customer login cannot tell a suspended
    # account from one still being set up: after a lost answer it is simply sent again.
    Service.objects.filter(pk=service.pk).update(status="active", on_panel=True)
    panel.state.seed_customer("shop.example.com", reseller="reseller1")
    panel.state.add_fault("act_then_timeout", action="suspend", count=1, drop=True)
    op = queued("SuspendAccount", service)
    with time_machine.travel(op.created_at, tick=False) as traveller:
        assert operation_run(op.pk) == "retrying"
        op.refresh_from_db()
        assert op.outcome_unknown
        assert panel.state.customer("shop.example.com")["status"] == "todisable", "it acted"
        assert step_at_next_attempt(op, traveller) == "succeeded"
        assert panel.state.customer("shop.example.com")["settled_status"] == "disabled"
    assert [e["answer"] for e in panel.state.requests_for("suspend")] == ["success"] * 2
    only = Operation.objects.get()
    outcomes = list(only.attempt_set.values_list("outcome", flat=True))
    assert outcomes == ["unknown", "succeeded"], "one operation, its lost attempt journaled"
    assert Service.objects.get(pk=service.pk).status == "suspended"
