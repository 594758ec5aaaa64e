"""An attempt whose worker never finishes it (killed, crashed, stopped at the task timeout)
is journaled as lost, counted against the attempt limit, retried after a backoff, and ends
`failed` with a clear text at the limit."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from django_q.timeout import TimeoutHandler

from provisioning.models import Attempt, Incident, Operation
from provisioning.operations.sweep import operations_sweep
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db
LOST = Attempt.Outcome.WORKER_LOST
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def service(server):
    return ServiceFactory(server=server, domain="shop.example.com", domain_ascii="shop.example.com")


def left_running(op: Operation, attempts: int = 1, minutes_ago: int = 60) -> Operation:
    """The row a worker leaves when it dies holding the attempt."""
    claimed = timezone.now() - timedelta(minutes=minutes_ago)
    Operation.objects.filter(pk=op.pk).update(
        state="running", attempts=attempts, updated_at=claimed
    )
    op.refresh_from_db()
    return op


def test_the_sweep_journals_a_lost_attempt_and_retries_it_after_a_backoff(service, panel):
    op = left_running(queued("CreateAccount", service, source="admin"))
    claimed = op.updated_at

    assert operations_sweep() == 1
    op.refresh_from_db()
    assert (op.state, op.attempts, op.outcome_unknown) == ("retrying", 1, True)
    assert op.result.startswith("Attempt 1: the worker was lost before it finished")
    assert op.next_attempt_at > timezone.now() + timedelta(seconds=40), "a backoff"
    attempt = op.attempt_set.get()
    assert (attempt.number, attempt.outcome, attempt.started_at) == (1, LOST, claimed)
    assert operation_run(op.pk) is None, "not due yet"
    assert panel.state.requests == []

    with time_machine.travel(op.next_attempt_at + timedelta(seconds=1)):
        assert operations_sweep() == 1, "sent once it is due"
        assert operation_run(op.pk) == "succeeded"
    op.refresh_from_db()
    assert (op.state, op.attempts) == ("succeeded", 2)
    assert list(op.attempt_set.values_list("number", "outcome")) == [(1, LOST), (2, "succeeded")]
    # The lost attempt had not reached the panel: the create, sent again, created it.
    assert [r["action"] for r in panel.state.requests] == ["create"]


def test_a_task_delivered_again_ends_the_lost_attempt_the_same_way(service, panel):
    op = left_running(queued("CreateAccount", service, source="admin"))
    assert operation_run(op.pk) == "retrying"
    op.refresh_from_db()
    assert op.attempt_set.get().outcome == LOST
    assert panel.state.requests == [], "no panel call before the backoff"


def test_an_attempt_still_within_the_task_timeout_is_left_to_its_worker(service, panel):
    op = left_running(queued("CreateAccount", service, source="admin"), minutes_ago=0)
    assert operation_run(op.pk) is None
    assert operations_sweep() == 0
    op.refresh_from_db()
    assert (op.state, op.attempts, op.attempt_set.count()) == ("running", 1, 0)


@override_settings(OPERATION_MAX_ATTEMPTS=3)
def test_an_operation_whose_worker_always_dies_fails_at_the_limit_and_frees_its_service(
    service, panel
):
    op = queued("CreateAccount", service, source="admin")
    suspend = queued("SuspendAccount", service, source="admin")
    for number in (1, 2, 3):
        left_running(op, attempts=number)
        operations_sweep()
    op.refresh_from_db()
    assert (op.state, op.attempts) == ("failed", 3)
    assert op.result == (
        "Attempt 3: the worker was lost before it finished (killed, crashed, or stopped at "
        f"the task timeout of {settings.Q_CLUSTER['timeout']} s); the panel may have acted. "
        "Given up after 3 attempts: check the panel before retrying."
    )
    assert list(op.attempt_set.values_list("outcome", flat=True)) == [LOST] * 3
    [incident] = Incident.objects.filter(resolved_at=None)
    assert (incident.kind, incident.operation_id) == (Incident.Kind.OPERATION_FAILED, op.pk)
    assert operation_run(suspend.pk) == "failed", "next in line, no longer behind it"


@override_settings(PANEL_READ_TIMEOUT=30, OPERATION_MAX_ATTEMPTS=2)
def test_an_attempt_stopped_at_the_task_timeout_counts_against_the_limit(service, panel):
    """django-q2 stops a task at its timeout by raising SystemExit inside it (SIGALRM)."""
    panel.state.add_fault("delay", count=2, seconds=3)
    op = queued("CreateAccount", service, source="admin")
    for _ in range(2):
        with pytest.raises(SystemExit), TimeoutHandler(1):
            operation_run(op.pk)
        assert Operation.objects.get(pk=op.pk).state == "running"
        with time_machine.travel(timezone.now() + timedelta(hours=3)):
            operations_sweep()
        Operation.objects.filter(pk=op.pk).update(next_attempt_at=timezone.now())  # due now
    op.refresh_from_db()
    assert (op.state, op.attempts) == ("failed", 2)
    assert "Given up after 2 attempts" in op.result


def test_the_default_task_timeout_covers_the_worst_attempt():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("Q_", "PANEL_"))}
    code = (
        "from django.conf import settings as s; "
        "print(s.Q_CLUSTER['timeout'], s.PANEL_CALLS_PER_ATTEMPT, "
        "s.PANEL_CONNECT_TIMEOUT, s.PANEL_READ_TIMEOUT)"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "kaziwhmcs_site.settings_test"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    timeout, calls, connect, read = int(out[0]), int(out[1]), float(out[2]), float(out[3])
    assert timeout >= calls * (connect + read)


def _panel_calls(panel) -> int:
    return len(panel.state.requests) + len(panel.state.snapshot()["logins"])


@pytest.mark.parametrize("command", ["CreateAccount", "SuspendAccount", "UnsuspendAccount"])
def test_no_attempt_makes_more_panel_calls_than_the_timeout_allows_for(service, panel, command):
    # The worst case: an unknown outcome, an account the bridge did not create whose
    # password is another, and a panel that cannot list accounts (so the bridge logs in as
    # the customer, is refused, and clears the refusal with the reseller's login).
    panel.state.seed_customer("shop.example.com", reseller="reseller1", password="Other-pass-1")
    panel.state.add_fault("usage_unsupported")
    op = queued(command, service, source="admin")
    Operation.objects.filter(pk=op.pk).update(outcome_unknown=True)
    operation_run(op.pk)
    assert 0 < _panel_calls(panel) <= settings.PANEL_CALLS_PER_ATTEMPT
