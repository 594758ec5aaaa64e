"""A worker killed (SIGKILL) or stopped at the task timeout in the middle of an operation:
the attempt is journaled as lost and the operation finished later, by a real cluster."""

import signal

import pytest
from django.conf import settings
from django.test import override_settings

from provisioning.models import Operation
from provisioning.operations.accepting import operation_request
from provisioning.operations.sweep import operations_sweep
from tests.factories import ServiceFactory
from tests.worker_fixtures import Worker, wait_until

pytestmark = [pytest.mark.e2e]

# The second worker's cluster: a short task timeout, so the abandoned attempt is stale soon.
SHORT = {"Q_TIMEOUT": "2", "Q_RETRY": "14"}


def create_requested(panel, domain: str) -> Operation:
    service = ServiceFactory(server__hostname=panel.host_port, domain=domain)
    op, _ = operation_request(
        "CreateAccount", server=service.server, service=service, source="webhook"
    )
    return op


def swept(op: Operation) -> bool:
    """What the minute schedule does, run here more often than once a minute, with the
    short cluster's timeout and a short backoff."""
    short = {**settings.Q_CLUSTER, "timeout": int(SHORT["Q_TIMEOUT"])}
    with override_settings(Q_CLUSTER=short, OPERATION_RETRY_BASE_SECONDS=0.5):
        operations_sweep()
    return Operation.objects.get(pk=op.pk).finished


def test_a_create_held_by_a_killed_worker_is_taken_up_and_adopted(
    transactional_db, panel, tmp_path
):
    # The panel holds the answer; it creates the account after the worker is gone.
    panel.state.add_fault("delay", action="create", count=1, seconds=3)
    first = Worker(tmp_path / "first.log")
    try:
        op = create_requested(panel, "crash.example.com")
        service = op.service
        wait_until(
            lambda: panel.state.requests_for("create"), message="the create reaches the panel"
        )
        assert Operation.objects.get(pk=op.pk).state == "running"
    finally:
        first.stop(signal.SIGKILL, grace=0)

    second = Worker(tmp_path / "second.log", **SHORT)
    try:
        wait_until(
            lambda: swept(op), timeout=60, interval=1, message="the abandoned create finishes"
        )
    except AssertionError:
        print(second.output())
        raise
    finally:
        second.stop()

    op.refresh_from_db()
    assert (op.state, op.result, op.attempts) == ("succeeded", "success", 2)
    assert op.request["note"].startswith("adopted: the account was already on the panel")
    assert list(op.attempt_set.values_list("number", "outcome")) == [
        (1, "worker-lost"),
        (2, "succeeded"),
    ]
    creates = [entry["answer"] for entry in panel.state.requests_for("create")]
    assert creates[0] == "success" and creates[1:] == [
        "KaziWhmcs: Domain 'crash.example.com' already exists or is not allowed"
    ], "never created twice"
    assert panel.state.customer("crash.example.com")["status"] == "ok"
    assert op.service.__class__.objects.get(pk=service.pk).status == "active"


def test_a_task_stopped_at_its_timeout_is_journaled_as_lost_and_retried(
    transactional_db, panel, tmp_path
):
    # The panel creates the account, then holds the answer past the task timeout (the
    # read timeout is longer): the cluster stops the task, its worker with it.
    panel.state.add_fault("act_then_timeout", action="create", count=1, seconds=6)
    worker = Worker(tmp_path / "worker.log", **SHORT, PANEL_READ_TIMEOUT="30")
    try:
        op = create_requested(panel, "slow.example.com")
        wait_until(lambda: swept(op), timeout=60, interval=1, message="the create finishes")
    except AssertionError:
        print(worker.output())
        raise
    finally:
        worker.stop()

    op.refresh_from_db()
    assert (op.state, op.attempts) == ("succeeded", 2)
    lost = op.attempt_set.get(number=1)
    assert lost.outcome == "worker-lost"
    assert "stopped at the task timeout of 2 s" in lost.answer
    assert op.request["note"].startswith("adopted: the account was already on the panel")
    assert [e["answer"] for e in panel.state.requests_for("create")][1:] == [
        "KaziWhmcs: Domain 'slow.example.com' already exists or is not allowed"
    ], "never created twice"
