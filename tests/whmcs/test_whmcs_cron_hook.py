"""The WHMCS side learns every outcome: the AfterCronJob hook completes the Module Queue's
items the bridge finished and tells the failures once (PHP, stand-ins of WHMCS's runtime,
against the live bridge, a real worker and the emulated panel)."""

import pytest

from provisioning.models import Operation
from tests.php_runner import run_scenario


@pytest.mark.e2e
def test_a_late_create_is_completed_by_the_next_cron_run(php, tmp_path, live_server, worker, panel):
    panel.state.add_fault("delay", action="create", seconds=3, count=1)

    report = run_scenario(php, tmp_path, "cron-late-create", panel, live_server.url, worker)

    assert [r["action"] for r in panel.state.requests] == ["create"]
    assert len(panel.state.snapshot()["customers"]) == 1
    create = Operation.objects.order_by("id").first()
    assert (create.command, create.state, create.attempts) == ("CreateAccount", "succeeded", 1)
    assert any("welcome email" in entry["description"] for entry in report["activity"])


@pytest.mark.e2e
def test_a_refused_create_is_told_once_over_two_cron_runs(
    php, tmp_path, live_server, worker, panel
):
    run_scenario(php, tmp_path, "cron-refused-create", panel, live_server.url, worker)

    assert [r["action"] for r in panel.state.requests] == ["create"]
    assert list(Operation.objects.values_list("command", "state")) == [("CreateAccount", "failed")]


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
