"""Fault switches, brute-force protection, the control API and the management command."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.panel_fixtures import CREATE, plugin_create, plugin_post
from tests.worker_fixtures import wait_until

ROOT = Path(__file__).resolve().parents[2]


# --- fault switches -------------------------------------------------------------------------


def test_delay_holds_the_answer(panel):
    panel.state.add_fault("delay", seconds=0.3, count=2)
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{panel.url}{panel.endpoint}", data={"action": "x"}, timeout=0.1)
    started = time.monotonic()
    assert plugin_post(panel, "usageupdate").text == "success"
    assert time.monotonic() - started >= 0.3
    assert panel.state.faults == []  # both uses spent


def test_a_fault_can_be_limited_to_one_action_and_a_count(panel):
    panel.state.add_fault("http500", action="create", count=1)
    assert plugin_post(panel, "usageupdate").status_code == 200
    failed = plugin_create(panel)
    assert (failed.status_code, failed.text) == (
        500,
        "An unexpected error occurred: SQLSTATE[HY000] [2002] Connection refused",
    )
    assert panel.state.customer("example.com") is None  # refused before acting
    assert plugin_create(panel).text == "success"


def test_drop_closes_the_connection_before_acting(panel):
    panel.state.add_fault("drop", action="create", count=1)
    with pytest.raises(requests.ConnectionError):
        plugin_create(panel)
    assert panel.state.customer("example.com") is None
    assert panel.state.requests_for("create")[0]["faults"] == ["drop"]
    assert plugin_create(panel).text == "success"


@pytest.mark.parametrize("status", [200, 502])
def test_garbage_is_a_proxy_page(panel, status):
    panel.state.add_fault("garbage", status=status)
    response = plugin_create(panel)
    assert response.status_code == status
    assert response.text.startswith("<html>")
    assert panel.state.customer("example.com") is None


def test_act_then_timeout_acts_and_holds_the_answer(panel):
    panel.state.add_fault("act_then_timeout", action="create", seconds=0.4, count=1)
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            f"{panel.url}{panel.endpoint}",
            data={"reseller_name": "reseller1", "reseller_pass": "reseller-secret-1"}
            | {"action": "create"}
            | CREATE,
            timeout=0.15,
        )
    assert panel.state.customer("example.com").settled_status == "ok"


def test_act_then_timeout_can_drop_the_connection_after_acting(panel):
    panel.state.add_fault("act_then_timeout", drop=True, count=1)
    with pytest.raises(requests.ConnectionError):
        plugin_create(panel)
    assert panel.state.customer("example.com") is not None
    (entry,) = panel.state.requests_for("create")
    assert (entry["status"], entry["answer"]) == (200, "success")


@pytest.mark.parametrize("created", [False, True])
def test_create_empty_body_may_or_may_not_have_created_the_account(panel, created):
    panel.state.add_fault("create_empty_body", created=created, count=1)
    response = plugin_create(panel)
    assert (response.status_code, response.text) == (200, "")
    assert (panel.state.customer("example.com") is not None) is created


def test_create_empty_body_waits_for_a_create_that_passes_the_checks(panel):
    panel.state.add_fault("create_empty_body", count=1)
    assert plugin_create(panel, hp_name="Gold").text.startswith("KaziWhmcs: The 'Gold'")
    assert plugin_create(panel).text == ""


def test_usage_unsupported_answers_the_panels_error_page_with_400(panel):
    panel.state.add_fault("usage_unsupported")
    response = plugin_post(panel, "usageupdate")
    assert response.status_code == 400
    assert response.text != "Bad request"
    assert "<html>" in response.text
    assert plugin_create(panel).text == "success"  # other actions work on such panels


def test_unknown_fault_kinds_are_refused(panel):
    with pytest.raises(ValueError, match="unknown fault kind"):
        panel.state.add_fault("explode")


# --- the control API ------------------------------------------------------------------------


def control(panel, method: str, name: str, **json):
    response = requests.request(method, f"{panel.url}/_emulator/{name}", json=json or None)
    return response.status_code, response.json()


def test_the_control_api_seeds_and_shows_the_state(panel):
    status, result = control(
        panel,
        "POST",
        "seed",
        resellers=[{"name": "r2", "password": "r2-secret", "has_ip": False}],
        plans=[{"reseller": "r2", "name": "Tiny", "disk_limit_mib": 10}],
        customers=[{"domain": "Bücher.example", "reseller": "r2", "password": "pw-123456"}],
        usage=[{"domain": "bücher.example", "disk_bytes": 5_000_000, "bw_bytes": 0}],
        bulk={"n": 3, "reseller": "reseller1"},
    )
    assert (status, result["seeded"]["customers"], result["seeded"]["bulk"]) == (200, 1, 3)
    status, state = control(panel, "GET", "state")
    customer = next(c for c in state["customers"] if c["reseller"] == "r2")
    assert (customer["domain"], customer["domain_unicode"], customer["plan"]) == (
        "xn--bcher-kva.example",
        "bücher.example",
        "Tiny",
    )
    assert (customer["disk_bytes"], customer["disk_limit_mib"]) == (5_000_000, 10)
    assert {r["name"]: r["has_ip"] for r in state["resellers"]} == {"reseller1": True, "r2": False}


def test_the_control_api_arms_faults_and_shows_requests(panel):
    status, result = control(panel, "POST", "faults", kind="http500", action="create", count=1)
    assert (status, result["faults"][0]["kind"]) == (200, "http500")
    assert plugin_create(panel).status_code == 500
    plugin_post(panel, "usageupdate")
    _, requests_seen = control(panel, "GET", "requests?action=create")
    assert [r["status"] for r in requests_seen["requests"]] == [500]
    control(panel, "POST", "faults", kind="drop")
    _, result = control(panel, "POST", "faults", clear=True)
    assert result == {"faults": []}


def test_the_control_api_changes_settings_finishes_deletions_and_resets(panel):
    assert control(panel, "POST", "settings", refuse_spaces=True)[1]["settings"]["refuse_spaces"]
    panel.state.seed_customer("gone.example", status="todelete")
    assert control(panel, "POST", "finish-deletions") == (200, {"deleted": 1})
    assert control(panel, "POST", "reset", demo=True) == (200, {"ok": True})
    assert list(panel.state.resellers) == ["demo-reseller"]
    assert not panel.state.settings.refuse_spaces


@pytest.mark.parametrize(
    ("method", "name", "body", "status"),
    [
        ("POST", "seed", {"planets": []}, 400),
        ("POST", "seed", {"resellers": [{"nom": "x"}]}, 400),
        ("POST", "faults", {"kind": "explode"}, 400),
        ("POST", "settings", {"colour": "red"}, 400),
        ("GET", "nothing", None, 404),
    ],
)
def test_the_control_api_refuses_bad_input_in_json(panel, method, name, body, status):
    response = requests.request(method, f"{panel.url}/_emulator/{name}", json=body)
    assert response.status_code == status
    assert "error" in response.json()


# --- the management command -----------------------------------------------------------------


def test_the_command_serves_the_demo_panel_until_interrupted():
    process = subprocess.Popen(
        [sys.executable, "manage.py", "imscp_emulator", "--port", "0", "--endpoint", "/custom"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kaziwhmcs_site.settings_test"},
    )
    try:
        first_line = process.stdout.readline()
        assert first_line.startswith("i-MSCP panel emulator on http://127.0.0.1:"), first_line
        url = first_line.split(" on ")[1].strip()
        response = requests.post(
            f"{url}/custom",
            data={
                "reseller_name": "demo-reseller",
                "reseller_pass": "demo-reseller-pass",
                "action": "usageupdate",
            },
            timeout=5,
        )
        assert response.text == "success"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        process.stdout.close()


def test_a_request_held_across_a_reset_leaves_the_new_panel_alone(panel):
    panel.state.add_fault("delay", seconds=0.4, count=1)
    held = threading.Thread(
        target=lambda: _quietly(plugin_post, panel, "suspend", domain="x.example")
    )
    held.start()
    # The delay is recorded once taken, after the request noted the panel's generation.
    wait_until(
        lambda: [r["faults"] for r in panel.state.requests_for("suspend")] == [["delay"]],
        timeout=5,
        message="the held request",
    )
    panel.state.reset()
    panel.state.add_fault("http500", count=1)
    held.join()
    assert [f.kind for f in panel.state.faults] == ["http500"], "the next test's fault is intact"


def _quietly(function, *args, **kwargs):
    try:
        function(*args, **kwargs)
    except requests.RequestException:
        pass
