"""The WHMCS side: the kaziwhmcs PHP server module, run by a plain-PHP runner as WHMCS
would call it, against the live bridge, a real worker and the emulated panel."""

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from provisioning.models import Client, Operation, WebhookEvent
from provisioning.signing import client_area_verify
from tests.php_runner import MODULE_DIR, RUNNER, run_scenario
from tests.ports import free_port


def test_every_php_file_is_valid_syntax(php):
    files = sorted(MODULE_DIR.rglob("*.php")) + sorted(RUNNER.parent.glob("*.php"))
    assert MODULE_DIR / "kaziwhmcs.php" in files
    for path in files:
        completed = subprocess.run([php, "-l", str(path)], capture_output=True, text=True)
        assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_module_refuses_to_run_outside_whmcs(php):
    completed = subprocess.run(
        [php, str(MODULE_DIR / "kaziwhmcs.php")], capture_output=True, text=True
    )
    assert completed.stdout == "This file cannot be accessed directly"


@pytest.mark.e2e
def test_each_account_command_reaches_the_panel(php, tmp_path, live_server, worker, panel):
    report = run_scenario(php, tmp_path, "lifecycle", panel, live_server.url, worker)

    actions = [r["action"] for r in panel.state.requests]
    assert actions == ["create", "suspend", "unsuspend", "changepw", "terminate", "create"]
    journal = list(Operation.objects.order_by("id").values_list("command", "state"))
    assert journal == [
        ("CreateAccount", "succeeded"),
        ("SuspendAccount", "succeeded"),
        ("UnsuspendAccount", "succeeded"),
        ("ChangePassword", "succeeded"),
        ("TerminateAccount", "succeeded"),
        ("CreateAccount", "failed"),
    ]
    assert report["log_actions"][:6] == [
        "CreateAccount",
        "SuspendAccount",
        "UnsuspendAccount",
        "ChangePassword",
        "Renew",
        "TerminateAccount",
    ]
    suspend = Operation.objects.get(command="SuspendAccount")
    assert suspend.request["reason"] == "Overdue on Activity"
    assert Client.objects.get(whmcs_id=7).language == "german"
    create = report["log"][0]
    assert create["request"]["params"]["password"] == "********"
    assert create["request"]["params"]["serverpassword"] == "********"
    assert create["processed"] == "success"


@pytest.mark.e2e
def test_a_command_still_running_is_answered_by_the_retry_without_a_second_panel_call(
    php, tmp_path, live_server, worker, panel
):
    # The panel holds these answers longer than the module waits (1 s).
    panel.state.add_fault("delay", action="create", seconds=3, count=1)
    panel.state.add_fault("delay", action="changepw", seconds=3, count=1)

    report = run_scenario(php, tmp_path, "still-running-then-retry", panel, live_server.url, worker)

    # The retry in flight joins; a ChangePassword after the outcome is sent again (the
    # customer may have changed the password on the panel since), a create is not.
    assert [r["action"] for r in panel.state.requests] == ["create", "changepw", "changepw"]
    create, change, again = Operation.objects.order_by("id")
    assert (create.command, create.state, create.attempts) == ("CreateAccount", "succeeded", 1)
    assert (change.command, change.state, change.attempts) == ("ChangePassword", "succeeded", 1)
    assert (again.command, again.state) == ("ChangePassword", "succeeded")
    assert report["operation"] == str(create.pk)
    operations = [e.operation_id for e in WebhookEvent.objects.order_by("received_at")]
    assert operations == [create.pk] * 3 + [change.pk] * 2 + [again.pk]


@pytest.mark.e2e
def test_usage_update_writes_the_figures_into_tblhosting(php, tmp_path, live_server, worker, panel):
    run_scenario(php, tmp_path, "usage-update", panel, live_server.url, worker)
    assert len(panel.state.requests_for("usageupdate")) == 1


@pytest.mark.e2e
def test_test_connection_and_the_admin_links(php, tmp_path, live_server, worker, panel):
    run_scenario(php, tmp_path, "test-connection", panel, live_server.url, worker)
    assert [op.state for op in Operation.objects.order_by("id")] == ["succeeded", "failed"]


def test_the_client_area_links_are_signed_for_the_service(php, tmp_path, live_server, panel):
    report = run_scenario(php, tmp_path, "client-links", panel, live_server.url)
    link = report["client_area"]
    assert link.startswith(f"{live_server.url}/client/services/42/?expires=")
    query = parse_qs(urlsplit(link).query)
    client_area_verify(42, query["expires"][0], query["sig"][0])


def test_an_invalid_webhook_secret_is_a_clear_error(php, tmp_path, live_server, panel):
    run_scenario(php, tmp_path, "bad-secret", panel, live_server.url)
    assert not Operation.objects.exists()
    assert not WebhookEvent.objects.exists()


def test_the_bridge_down_is_a_clear_error(php, tmp_path, panel):
    down = f"http://127.0.0.1:{free_port()}"
    run_scenario(php, tmp_path, "bridge-down", panel, down, KAZI_DOWN_URL=down)
    assert panel.state.requests == []


class _LoginPage(BaseHTTPRequestHandler):
    """What a captive proxy in front of a wrong bridge_url answers: a 200 HTML page."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b"<html><body><h1>Please log in</h1><p>Access to this network...</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def login_page():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LoginPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_answer_that_is_not_json_is_a_clear_error(php, tmp_path, panel, login_page):
    run_scenario(php, tmp_path, "not-json", panel, login_page, KAZI_NOT_JSON_URL=login_page)
