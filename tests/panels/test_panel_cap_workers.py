"""A burst for one panel runs at its cap across real workers; other panels go on."""

import pytest

from provisioning.models import Operation
from provisioning.operations.accepting import operation_request
from tests.factories import ServerFactory, ServiceFactory
from tests.worker_fixtures import Worker, wait_until

pytestmark = [pytest.mark.e2e]

BURST = 30


def in_flight_at_most(entries) -> int:
    """The most requests the panel was answering at one moment."""
    edges = sorted([(e["time"], 1) for e in entries] + [(e["ended"], -1) for e in entries])
    most = current = 0
    for _, step in edges:
        current += step
        most = max(most, current)
    return most


def test_a_burst_of_creates_runs_at_the_cap_and_holds_up_no_other_panel(
    transactional_db, panel, tmp_path
):
    panel.state.seed_reseller("reseller2", "reseller2-pass")
    panel.state.seed_plan("reseller2", "Basic")
    busy = ServerFactory(hostname=panel.host_port)
    other = ServerFactory(
        hostname=panel.host_port, reseller_username="reseller2", reseller_password="reseller2-pass"
    )
    panel.state.add_fault("delay", action="create", seconds=0.1)

    def burst(server, count, name):
        ops = []
        for n in range(count):
            domain = f"{name}{n}.example.com"
            service = ServiceFactory(server=server, domain=domain, domain_ascii=domain)
            ops.append(
                operation_request(
                    "CreateAccount", server=server, service=service, source="webhook"
                )[0].pk
            )
        return ops

    worker = Worker(tmp_path / "qcluster.log", Q_WORKERS="4")
    try:
        many = burst(busy, BURST, "busy")
        few = burst(other, 3, "other")

        def finished():
            return not Operation.objects.filter(state__in=Operation.UNFINISHED).exists()

        wait_until(finished, timeout=120, interval=0.2, message="the burst finishes")
    except AssertionError:
        print(worker.output()[-3000:])
        raise
    finally:
        worker.stop()

    assert set(Operation.objects.values_list("state", flat=True)) == {"succeeded"}
    assert Operation.objects.filter(attempts__gt=1).count() == 0, "nothing retried"
    creates = panel.state.requests_for("create")
    mine = [e for e in creates if e["fields"]["reseller_name"] == "reseller1"]
    assert len(mine) == BURST
    assert in_flight_at_most(mine) == 2, "at the cap, never above"
    answers = {e["answer"] for e in panel.state.requests}
    assert not any("waiting" in a or "blocked" in a for a in answers), "never counted up"
    last_of_few = max(Operation.objects.filter(pk__in=few).values_list("finished_at", flat=True))
    last_of_many = max(Operation.objects.filter(pk__in=many).values_list("finished_at", flat=True))
    assert last_of_few < last_of_many, "the other panel did not wait for the burst"
