"""The panel's edges with several real workers against the emulator with the panel's
defaults (brute-force protection on, the daemon taking seconds, logins that overlap)."""

import pytest

from provisioning.models import Operation, Server, Service
from provisioning.operations.accepting import operation_request
from tests.factories import RESELLER_PASSWORD, ServerFactory, bridge_account
from tests.webhook_client import command_body, post_webhook
from tests.worker_fixtures import Worker, wait_until

pytestmark = [pytest.mark.e2e]

FAST_RETRIES = {"Q_WORKERS": "2", "OPERATION_RETRY_BASE_SECONDS": "1"}


def workers(tmp_path, n: int = 2) -> list[Worker]:
    return [Worker(tmp_path / f"host{i}.log", **FAST_RETRIES) for i in range(n)]


def states(ids) -> dict[str, int]:
    found: dict[str, int] = {}
    for state in Operation.objects.filter(pk__in=ids).values_list("state", flat=True):
        found[state] = found.get(state, 0) + 1
    return found


def test_a_wrong_reseller_password_holds_the_queue_until_whmcs_sends_the_right_one(
    transactional_db, panel, tmp_path, client
):
    panel.state.configure(login_seconds=0.2)  # logins overlap, as in PHP workers
    server = ServerFactory(hostname=panel.host_port, whmcs_id=1)
    services = [bridge_account(server, panel, f"h{n}.example.com") for n in range(10)]
    Server.objects.filter(pk=server.pk).update(reseller_password="typo-in-bridge")
    started = workers(tmp_path)
    try:
        ops = [
            operation_request("SuspendAccount", server=server, service=s, source="webhook")[0].pk
            for s in services
        ]
        wait_until(
            lambda: Server.objects.get(pk=server.pk).login_refused,
            message="the refused login holds the server",
        )
        refused = len(
            [e for e in panel.state.requests if e["answer"] == "KaziWhmcs: Bad password."]
        )
        # Credentials the panel never let in go one call at a time: the failure is alone,
        # so its session is the one the panel counts, and the right password's first call,
        # made in it, clears the count.
        assert refused == 1
        assert Operation.objects.filter(pk__in=ops, state="failed").count() == 0

        body = command_body(
            "SuspendAccount",
            panel,
            serverid="1",
            serviceid=str(services[0].whmcs_id),
            domain=services[0].domain,
            serverpassword=RESELLER_PASSWORD,
        )
        assert post_webhook(client, body).status_code in (200, 202)
        wait_until(
            lambda: states(ops) == {"succeeded": 10},
            timeout=120,
            interval=0.2,
            message="every suspend once the password is right",
        )
    except AssertionError:
        for op in Operation.objects.filter(pk__in=ops):
            print(op.pk, op.state, op.attempts, op.next_attempt_at, op.result)
        print(Server.objects.values("paused_until", "pause_reason", "login_refused").get())
        print([e["answer"] for e in panel.state.requests])
        raise
    finally:
        for worker in started:
            worker.stop()
    answers = [e["answer"] or "" for e in panel.state.requests]
    assert not any("blocked" in a for a in answers), "never locked out"
    assert panel.state.login_records == {}, "the refused logins' count was cleared"
    assert {panel.state.customer(s.domain)["settled_status"] for s in services} == {"disabled"}


def test_a_create_right_after_a_terminate_waits_for_the_deletion_with_two_workers(
    transactional_db, panel, tmp_path
):
    server = ServerFactory(hostname=panel.host_port)
    bridge_account(server, panel)
    service = bridge_account(server, panel, "again.example.com")
    started = workers(tmp_path)
    try:
        terminate, _ = operation_request(
            "TerminateAccount", server=server, service=service, source="webhook"
        )
        create, _ = operation_request(
            "CreateAccount",
            server=server,
            service=Service.objects.get(pk=service.pk),
            source="webhook",
        )
        wait_until(
            lambda: "daemon" in (Operation.objects.get(pk=create.pk).result or ""),
            timeout=60,
            message="the create waits for the deletion",
        )
        assert Service.objects.get(pk=service.pk).status == "terminated", "not adopted"
        panel.state.finish_deletion("again.example.com")
        wait_until(
            lambda: Operation.objects.get(pk=create.pk).state == "succeeded",
            timeout=60,
            message="created anew once deleted",
        )
    finally:
        for worker in started:
            worker.stop()
    assert Operation.objects.get(pk=terminate.pk).state == "succeeded"
    assert panel.state.requests_for("create")[-1]["answer"] == "success"
    assert panel.state.customer("again.example.com")["settled_status"] == "ok"


def test_the_daily_reconciliation_runs_as_tasks_of_the_workers(transactional_db, panel, tmp_path):
    from provisioning import tasks
    from provisioning.models import ReconcileReport

    server = ServerFactory(hostname=panel.host_port)
    for n in range(3):
        bridge_account(server, panel, f"r{n}.example.com")
    panel.state.seed_customer("stray.example.com", reseller="reseller1")
    started = workers(tmp_path)
    try:
        report_id = tasks.reconcile_report()
        wait_until(
            lambda: "running" not in ReconcileReport.objects.get(pk=report_id).report,
            timeout=60,
            message="every server's parts",
        )
    finally:
        for worker in started:
            worker.stop()
    report = ReconcileReport.objects.get(pk=report_id).report
    assert report["servers"][0]["panel_only"] == ["stray.example.com"]
    assert report["totals"]["servers"] == 1
