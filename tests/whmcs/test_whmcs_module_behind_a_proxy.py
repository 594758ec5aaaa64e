"""The WHMCS module and the bridge behind a reverse proxy that serves it under a path
prefix (`https://host/bridge/` → the bridge's root): the module's signatures cover the
route below bridge_url, which is what the bridge sees below its root, so every request
passes; a request signed with the prefix in its route does not."""

import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests

from provisioning.models import Operation, PanelLoginTicket
from provisioning.signing import signed_headers
from tests.php_runner import run_scenario
from tests.ports import free_port

PREFIX = "/bridge"
FORWARDED = ("Content-Type", "Accept", "X-Kazi-Timestamp", "X-Kazi-Signature")


def prefix_proxy(upstream: str):
    """A proxy like nginx's `location /bridge/ { proxy_pass http://upstream/; }`: the
    prefix is cut off, anything outside it is a 404 of the proxy's own."""
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        def _forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self.path.startswith(PREFIX + "/"):
                self.send_error(404)
                return
            headers = {name: self.headers[name] for name in FORWARDED if name in self.headers}
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                connection.request(
                    self.command, self.path[len(PREFIX) :], body=body or None, headers=headers
                )
                answer = connection.getresponse()
                data = answer.read()
            finally:
                connection.close()
            self.send_response(answer.status)
            for name in ("Content-Type", "Location"):
                if answer.getheader(name):
                    self.send_header(name, answer.getheader(name))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _forward

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def proxied_bridge(live_server):
    server = ThreadingHTTPServer(("127.0.0.1", 0), prefix_proxy(live_server.url))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    server.shutdown()
    server.server_close()


@pytest.mark.e2e
def test_the_modules_commands_and_polls_pass_behind_a_path_prefix(
    php, tmp_path, proxied_bridge, worker, panel
):
    run_scenario(php, tmp_path, "lifecycle", panel, proxied_bridge, worker)
    assert [r["action"] for r in panel.state.requests][:5] == [
        "create",
        "suspend",
        "unsuspend",
        "changepw",
        "terminate",
    ]
    assert Operation.objects.filter(state="succeeded").count() == 5


@pytest.mark.e2e
def test_the_admin_areas_reads_and_one_time_logins_pass_behind_a_path_prefix(
    php, tmp_path, proxied_bridge, worker, panel
):
    down = f"http://127.0.0.1:{free_port()}"
    with socket.create_server(("127.0.0.1", 0), backlog=8) as silent:
        run_scenario(
            php,
            tmp_path,
            "admin-area",
            panel,
            proxied_bridge,
            worker,
            KAZI_DOWN_URL=down,
            KAZI_SILENT_URL=f"http://127.0.0.1:{silent.getsockname()[1]}",
        )
    # The client's login button, the link the scenario reads, the reseller's sign-on.
    assert PanelLoginTicket.objects.count() == 3
    route = "/webhooks/whmcs/services/42/"
    url = proxied_bridge + route
    assert requests.get(url, headers=signed_headers("GET", route), timeout=10).status_code == 200
    prefixed = signed_headers("GET", PREFIX + route)
    assert requests.get(url, headers=prefixed, timeout=10).status_code == 401
