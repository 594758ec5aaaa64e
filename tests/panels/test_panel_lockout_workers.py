"""Failed checks from several processes at once never lock the bridge out of a panel."""

import threading

import pytest

from provisioning.models import Operation
from provisioning.operations.accepting import operation_request
from provisioning.operations.reconcile import reconcile_run
from tests.factories import ServerFactory, changed_password_services
from tests.worker_fixtures import Worker, wait_until

pytestmark = [pytest.mark.e2e]


def test_reconciliations_with_changed_passwords_beside_busy_workers(
    transactional_db, panel, tmp_path
):
    server = ServerFactory(hostname=panel.host_port)
    services = changed_password_services(server, panel, [f"w{n}.example.com" for n in range(12)])
    workers = [Worker(tmp_path / f"host{n}.log", Q_WORKERS="2") for n in range(2)]
    reports = []
    try:
        checks = threading.Thread(
            target=lambda: reports.extend(reconcile_run() for _ in range(6)), daemon=True
        )
        checks.start()
        ops = [
            operation_request(command, server=server, service=service, source="webhook")[0].pk
            for command in ("SuspendAccount", "UnsuspendAccount")
            for service in services
        ]
        checks.join(timeout=60)

        def finished():
            return not Operation.objects.filter(pk__in=ops, state__in=Operation.UNFINISHED).exists()

        wait_until(finished, timeout=90, interval=0.2, message="every operation finishes")
    except AssertionError:
        for worker in workers:
            print(worker.output()[-3000:])
        raise
    finally:
        for worker in workers:
            worker.stop()

    assert len(reports) == 6
    assert all("refused the login" in r.report["servers"][0]["degraded"] for r in reports)
    assert set(Operation.objects.filter(pk__in=ops).values_list("state", flat=True)) == {
        "succeeded"
    }
    assert Operation.objects.filter(pk__in=ops, attempts__gt=1).count() == 0
    answers = {e["answer"] for e in panel.state.requests}
    assert not any("waiting" in a or "blocked" in a for a in answers if a)
    assert panel.state.login_records == {}
