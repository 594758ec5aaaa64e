"""Two qcluster processes at once (as on two hosts): no operation executes twice, and
each service's operations reach the panel in the order they were accepted."""

from collections import defaultdict

import pytest

from provisioning.models import Operation
from provisioning.operations.accepting import operation_request
from provisioning.operations.queueing import operation_enqueue
from tests.factories import ServiceFactory
from tests.worker_fixtures import Worker, wait_until

pytestmark = [pytest.mark.e2e]

SERVICES = 12
COMMANDS = ("CreateAccount", "SuspendAccount", "UnsuspendAccount", "TerminateAccount")


def test_two_clusters_never_run_an_operation_twice(transactional_db, panel, tmp_path):
    services = [
        ServiceFactory(
            server__hostname=panel.host_port,
            domain=f"pair{n}.example.com",
            domain_ascii=f"pair{n}.example.com",
        )
        for n in range(SERVICES)
    ]
    clusters = [Worker(tmp_path / f"cluster{n}.log", Q_WORKERS="2") for n in range(2)]
    try:
        ops = []
        for command in COMMANDS[:3]:  # a termination would supersede the waiting ones
            for service in services:
                op, created = operation_request(
                    command, server=service.server, service=service, source="webhook"
                )
                assert created
                operation_enqueue(op.pk)  # delivered twice, as a broker may do
                ops.append(op.pk)

        def all_finished():
            return not Operation.objects.filter(pk__in=ops, state__in=Operation.UNFINISHED).exists()

        wait_until(all_finished, timeout=90, interval=0.2, message="every operation finishes")
    except AssertionError:
        for cluster in clusters:
            print(cluster.output()[-3000:])
        raise
    finally:
        for cluster in clusters:
            cluster.stop()

    assert set(Operation.objects.values_list("state", flat=True)) == {"succeeded"}
    calls = defaultdict(list)
    for entry in panel.state.requests:
        calls[entry["fields"].get("domain")].append(entry["action"])
    for service in services:
        assert calls[service.domain] == ["create", "suspend", "unsuspend"], service.domain
    assert sum(len(actions) for actions in calls.values()) == len(ops)
    for cluster in clusters:
        assert "operation-" in cluster.output(), "both clusters took work"
