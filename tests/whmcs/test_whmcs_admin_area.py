"""WHMCS's admin and client areas: the service tab, single sign-on (admin and client side,
and the reseller's) through the bridge's one-time login, the custom button's answer, Test
Connection of a server not saved yet, Server Sync's account list, and a plan change
answered with a clear error and journaled as owed (PHP against the live bridge)."""

import socket

import pytest
import requests

from provisioning.models import Operation, Server
from provisioning.operations.plan_changes import plan_changes_owed
from tests.php_runner import run_scenario
from tests.ports import free_port


@pytest.mark.e2e
def test_the_tab_and_single_sign_on_from_the_admin_and_the_client_side(
    php, tmp_path, live_server, worker, panel
):
    down = f"http://127.0.0.1:{free_port()}"
    # Takes connections (the kernel's backlog) and never answers: only the tab's own
    # 3 s limit ends the wait, where a refused port fails in milliseconds.
    with socket.create_server(("127.0.0.1", 0), backlog=8) as silent:
        report = run_scenario(
            php,
            tmp_path,
            "admin-area",
            panel,
            live_server.url,
            worker,
            KAZI_DOWN_URL=down,
            KAZI_SILENT_URL=f"http://127.0.0.1:{silent.getsockname()[1]}",
        )

    assert report["down_seconds"] < 5
    assert 2.5 < report["silent_seconds"] < 6, "the tab gives up after its 3 s"
    assert report["bridge_page"].startswith(f"{live_server.url}/admin/provisioning/service/")
    for side in ("admin_login", "client_login"):
        page = requests.get(report[side], timeout=10)
        assert page.status_code == 200
        assert f'action="{panel.url}/"' in page.text
        assert 'value="whmcs-module.example.com"' in page.text
        assert page.headers["Cache-Control"] == "no-store"
        assert requests.get(report[side], timeout=10).status_code == 403, "valid once"
    reseller = requests.get(report["reseller_login"], timeout=10)
    assert reseller.status_code == 200
    assert 'value="reseller1"' in reseller.text
    logins = Operation.objects.filter(command="PanelLogin").order_by("id")
    assert [op.request["as"] for op in logins] == ["customer", "customer", "reseller"]
    assert [op.requested_by for op in logins] == [
        "WHMCS admin admin #1",
        "WHMCS client client #7",
        "WHMCS admin admin #1",
    ]


@pytest.mark.e2e
def test_the_custom_button_returns_what_whmcs_shows(php, tmp_path, live_server, worker, panel):
    run_scenario(php, tmp_path, "custom-button", panel, live_server.url, worker)
    assert list(Operation.objects.values_list("command", "state")) == [("CreateAccount", "failed")]


def test_test_connection_works_for_a_server_not_saved_yet(php, tmp_path, live_server, panel):
    run_scenario(php, tmp_path, "test-connection-unsaved", panel, live_server.url)

    assert [r["action"] for r in panel.state.requests] == ["connectiontest"] * 3
    assert not Server.objects.exists()
    assert panel.state.login_records == {}, "the failed login was cleared"


@pytest.mark.e2e
def test_server_sync_lists_the_resellers_accounts(php, tmp_path, live_server, worker, panel):
    run_scenario(php, tmp_path, "list-accounts", panel, live_server.url, worker)
    assert len(panel.state.requests_for("usageupdate")) == 1


@pytest.mark.e2e
def test_a_plan_change_is_a_clear_error_and_owed_in_the_journal(
    php, tmp_path, live_server, worker, panel
):
    run_scenario(php, tmp_path, "change-package", panel, live_server.url, worker)

    owed = plan_changes_owed().get()
    assert (owed.request["plan_before"], owed.request["plan_wanted"]) == ("Basic", "Gold")
    assert [r["action"] for r in panel.state.requests] == ["create"]
