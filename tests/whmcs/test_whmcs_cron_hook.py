"""The WHMCS side learns every outcome: the AfterCronJob hook reads WHMCS's Module Queue as
WHMCS gives it, replays once what the bridge finished and is still wanted, resolves what a
later command superseded, and tells staff the failures once (PHP, stand-ins of WHMCS's
runtime, against the live bridge, a real worker and the emulated panel)."""

import pytest
from django.core.signals import request_started

from provisioning.models import Operation, WhmcsNotice
from tests.php_runner import run_scenario


@pytest.fixture
def bridge_paths():
    """The paths of the requests the live bridge receives."""
    paths: list[str] = []

    def seen(sender, environ, **kwargs):
        paths.append(environ["PATH_INFO"])

    request_started.connect(seen)
    yield paths
    request_started.disconnect(seen)


@pytest.mark.e2e
@pytest.mark.parametrize("queue_answer", ["models", "json"])
def test_a_late_create_is_completed_by_the_next_cron_run(
    php, tmp_path, live_server, worker, panel, queue_answer
):
    panel.state.add_fault("delay", action="create", seconds=3, count=1)

    run_scenario(
        php,
        tmp_path,
        "cron-late-create",
        panel,
        live_server.url,
        worker,
        KAZI_QUEUE_ANSWER=queue_answer,
    )

    assert [r["action"] for r in panel.state.requests] == ["create"]
    create = Operation.objects.get()
    assert (create.command, create.state, create.attempts) == ("CreateAccount", "succeeded", 1)
    assert list(WhmcsNotice.objects.values_list("kind", flat=True)) == ["replay"]


@pytest.mark.e2e
def test_a_late_suspend_is_replayed_with_its_reason(php, tmp_path, live_server, worker, panel):
    panel.state.add_fault("delay", action="suspend", seconds=3, count=1)

    run_scenario(php, tmp_path, "cron-late-suspend", panel, live_server.url, worker)

    assert [r["action"] for r in panel.state.requests] == ["create", "suspend"]
    suspend = Operation.objects.get(command="SuspendAccount")
    assert (suspend.state, suspend.request["reason"]) == ("succeeded", "Abuse")


@pytest.mark.e2e
def test_a_stale_suspend_after_a_payment_is_resolved_never_replayed(
    php, tmp_path, live_server, worker, panel
):
    panel.state.add_fault("delay", action="suspend", seconds=3, count=1)

    run_scenario(php, tmp_path, "cron-stale-suspend", panel, live_server.url, worker)

    assert [r["action"] for r in panel.state.requests] == ["create", "suspend", "unsuspend"]
    assert panel.state.snapshot()["customers"][0]["settled_status"] == "ok"
    suspend = Operation.objects.get(command="SuspendAccount")
    assert list(suspend.whmcs_notices.values_list("kind", flat=True)) == ["superseded"]


@pytest.mark.e2e
def test_a_refused_create_is_told_to_staff_once_over_two_cron_runs(
    php, tmp_path, live_server, worker, panel
):
    run_scenario(php, tmp_path, "cron-refused-create", panel, live_server.url, worker)

    assert [r["action"] for r in panel.state.requests] == ["create"]
    assert list(Operation.objects.values_list("command", "state")) == [("CreateAccount", "failed")]
    assert list(WhmcsNotice.objects.values_list("kind", flat=True)) == ["failure"]


@pytest.mark.e2e
def test_a_replay_that_fails_is_tried_once_and_left_for_the_admin(
    php, tmp_path, live_server, worker, panel
):
    panel.state.add_fault("delay", action="create", seconds=3, count=1)

    run_scenario(php, tmp_path, "cron-replay-fails-once", panel, live_server.url, worker)

    assert [r["action"] for r in panel.state.requests] == ["create"]


@pytest.mark.e2e
def test_a_queue_of_a_thousand_items_costs_a_few_requests(
    php, tmp_path, live_server, worker, panel, bridge_paths
):
    report = run_scenario(php, tmp_path, "cron-long-queue", panel, live_server.url, worker)

    hook = [p for p in bridge_paths if p.startswith("/webhooks/whmcs/queue/")]
    assert hook.count("/webhooks/whmcs/queue/outcomes/") == 2
    assert hook.count("/webhooks/whmcs/queue/told/") == 1
    assert report["done"]["unknown"] == 1000


def test_the_hook_can_be_turned_off(php, tmp_path, live_server, panel):
    run_scenario(php, tmp_path, "cron-off", panel, live_server.url)
    assert not Operation.objects.exists()


@pytest.mark.e2e
def test_the_module_returns_at_once_while_the_panel_fails(
    php, tmp_path, live_server, worker, panel
):
    panel.state.add_fault("garbage", action="suspend", status=503)

    report = run_scenario(php, tmp_path, "fast-return", panel, live_server.url, worker)

    suspend = Operation.objects.get(command="SuspendAccount")
    assert suspend.state == "retrying"
    # wait_seconds is 20: the module stopped waiting as soon as the bridge said retrying.
    assert report["suspend_seconds"] < 10
    assert report["again_seconds"] < 10
