"""The daily reconciliation runs as one task per server, each part comparing a bounded
number of services and writing them into the report as it goes: a server of thousands of
services is compared within any task timeout, and a part delivered twice merges once."""

import pytest

from provisioning import tasks
from provisioning.models import ReconcileReport
from provisioning.operations import reconcile_parts
from tests.factories import ServiceFactory, bridge_account

pytestmark = pytest.mark.django_db(transaction=True)


QUEUE: list[tuple] = []


def queued_parts() -> list[tuple]:
    """The reconciliation parts queued since last asked, taken out of the queue."""
    parts = QUEUE[:]
    QUEUE.clear()
    return parts


def run_every_part() -> list[tuple]:
    ran = []
    while parts := queued_parts():
        for args in parts:
            tasks.reconcile_part(*args)
            ran.append(args)
    return ran


@pytest.fixture
def five_services(server, panel, monkeypatch):
    # The queue, whichever broker the lane uses: the parts are run here, in order.
    QUEUE.clear()
    monkeypatch.setattr(reconcile_parts, "_part_enqueue", lambda *args: QUEUE.append(args))
    monkeypatch.setattr(reconcile_parts, "RECONCILE_PART", 2)
    made = [bridge_account(server, panel, f"s{n}.example.com") for n in range(5)]
    made[3].status = "suspended"  # billing suspended it, the panel did not
    made[3].save()
    panel.state.seed_customer("stray.example.com", reseller="reseller1")
    ServiceFactory(server__hostname=server.hostname, server__active=False)
    return made


def test_each_server_is_compared_in_parts_into_one_report(server, panel, five_services):
    report = ReconcileReport.objects.get(pk=tasks.reconcile_report())
    assert report.report["running"] == {str(server.pk): 0}, "one task per active server"
    ran = run_every_part()
    assert [after for _, _, after in ran] == [
        0,
        five_services[1].pk,
        five_services[3].pk,
    ], "three parts of at most two services"
    report.refresh_from_db()
    assert "running" not in report.report
    (drift,) = report.report["servers"]
    assert drift["panel_only"] == ["stray.example.com"]
    assert [row["domain"] for row in drift["mismatches"]] == ["s3.example.com"]
    assert report.report["totals"]["mismatches"] == 1
    logins = [e for e in panel.state.login_log if e["name"].endswith(".example.com")]
    assert len(logins) == 5, "one customer login per service"


def test_a_part_delivered_again_merges_nothing_twice(server, panel, five_services):
    report_id = tasks.reconcile_report()
    (first,) = queued_parts()
    assert tasks.reconcile_part(*first).startswith("2 compared")
    assert tasks.reconcile_part(*first) == "nothing to do"
    run_every_part()
    report = ReconcileReport.objects.get(pk=report_id)
    assert report.report["totals"]["mismatches"] == 1
    assert report.report["servers"][0]["panel_only"] == ["stray.example.com"]


def test_a_slow_panel_ends_a_part_early_and_the_next_goes_on(
    server, panel, five_services, settings
):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 0}  # every part out of time at once
    report_id = tasks.reconcile_report()
    assert len(run_every_part()) == 5, "one service each, none skipped"
    report = ReconcileReport.objects.get(pk=report_id)
    assert "running" not in report.report
    assert report.report["totals"]["mismatches"] == 1
