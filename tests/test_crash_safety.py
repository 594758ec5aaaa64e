"""A worker killed (SIGKILL) in the middle of an operation: the operation is finished later."""

import signal

import pytest
from django.conf import settings
from django.test import override_settings

from provisioning.models import Operation
from provisioning.operations import operation_request, operations_sweep
from tests.factories import ServiceFactory
from tests.worker_fixtures import Worker, wait_until

pytestmark = [pytest.mark.e2e]

# The second worker's cluster: a short task timeout, so the abandoned attempt is stale soon.
SHORT = {"Q_TIMEOUT": "2", "Q_RETRY": "14"}


def test_a_create_held_by_a_killed_worker_is_taken_up_and_adopted(
    transactional_db, panel, tmp_path
):
    service = ServiceFactory(
        server__hostname=panel.host_port,
        domain="crash.example.com",
        domain_ascii="crash.example.com",
    )
    # The panel holds the answer; it creates the account after the worker is gone.
    panel.state.add_fault("delay", action="create", count=1, seconds=3)
    first = Worker(tmp_path / "first.log")
    try:
        op, _ = operation_request(
            "CreateAccount", server=service.server, service=service, source="webhook"
        )
        wait_until(
            lambda: panel.state.requests_for("create"), message="the create reaches the panel"
        )
        assert Operation.objects.get(pk=op.pk).state == "running"
    finally:
        first.stop(signal.SIGKILL, grace=0)

    second = Worker(tmp_path / "second.log", **SHORT)
    try:
        short = {**settings.Q_CLUSTER, "timeout": int(SHORT["Q_TIMEOUT"])}

        def finished():
            # What the minute schedule does, run here more often than once a minute.
            with override_settings(Q_CLUSTER=short):
                operations_sweep()
            return Operation.objects.get(pk=op.pk).finished

        wait_until(finished, timeout=60, interval=1, message="the abandoned create finishes")
    except AssertionError:
        print(second.output())
        raise
    finally:
        second.stop()

    op.refresh_from_db()
    assert (op.state, op.result, op.attempts) == ("succeeded", "success", 2)
    assert op.request["note"].startswith("adopted: the account was already on the panel")
    assert list(op.attempt_set.values_list("number", "outcome")) == [(2, "succeeded")]
    creates = [entry["answer"] for entry in panel.state.requests_for("create")]
    assert creates[0] == "success" and creates[1:] == [
        "KaziWhmcs: Domain 'crash.example.com' already exists or is not allowed"
    ], "never created twice"
    assert panel.state.customer("crash.example.com")["status"] == "ok"
    assert op.service.__class__.objects.get(pk=service.pk).status == "active"
