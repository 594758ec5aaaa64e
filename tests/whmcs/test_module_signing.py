"""The module's one signing helper agrees with the bridge's (contract v2), and the routes it
signs are the paths below its bridge_url, with or without a proxy's path prefix."""

import json
import subprocess

import pytest

from provisioning.signing import request_signature
from tests.php_runner import MODULE_DIR

SECRET = "module-signing-secret"
CALLS = """
define('WHMCS', true);
require '%(lib)s/contract.php';
require '%(lib)s/bridge.php';
$calls = json_decode(stream_get_contents(STDIN), true);
$out = [];
foreach ($calls as $call) {
    list($function, $args) = $call;
    try {
        $out[] = call_user_func_array('KaziWhmcs\\\\' . $function, $args);
    } catch (KaziWhmcs\\BridgeError $error) {
        $out[] = ['error' => $error->getMessage()];
    }
}
echo json_encode($out);
"""


def module(php, *calls) -> list:
    completed = subprocess.run(
        [php, "-r", CALLS % {"lib": MODULE_DIR / "lib"}],
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("POST", "/webhooks/whmcs/", '{"event_id": "whmcs-1", "command": "TestConnection"}'),
        ("GET", "/webhooks/whmcs/operations/17/?wait=10.0", ""),
        ("post", "/webhooks/whmcs/servers/3/panel-login/", '{"admin": "admin #1", "n": "é"}'),
    ],
)
def test_the_modules_signature_is_the_bridges_v2(php, settings, method, route, body):
    settings.WEBHOOK_SECRET = SECRET
    [headers] = module(php, ["signed_headers", [SECRET, method, route, body, 1732406400]])
    expected = request_signature("1732406400", method, route, body.encode())
    assert headers == ["X-Kazi-Timestamp: 1732406400", f"X-Kazi-Signature: v2={expected}"]


def test_the_signed_route_is_the_path_below_bridge_url(php):
    plain = {"bridge_url": "https://bridge.example.net"}
    prefixed = {"bridge_url": "https://host.example.net/bridge"}
    routes = module(
        php,
        ["bridge_route", [plain, "https://bridge.example.net/webhooks/whmcs/?a=1"]],
        ["bridge_route", [prefixed, "https://host.example.net/bridge/webhooks/whmcs/"]],
        ["bridge_route", [prefixed, "https://host.example.net/bridgeX/webhooks/whmcs/"]],
        ["bridge_route", [plain, "https://elsewhere.example.net/webhooks/whmcs/"]],
    )
    assert routes[:2] == ["/webhooks/whmcs/?a=1", "/webhooks/whmcs/"]
    assert "is not an address of the bridge" in routes[2]["error"]
    assert "is not an address of the bridge" in routes[3]["error"]


def test_a_status_url_lands_below_bridge_url_whether_the_bridge_knows_the_prefix_or_not(php):
    prefixed = {"bridge_url": "https://host.example.net/bridge"}
    urls = module(
        php,
        # The bridge started with SCRIPT_NAME=/bridge: its status URL carries the prefix.
        ["status_url", [prefixed, "http://internal:8000/bridge/webhooks/whmcs/operations/7/"]],
        # A bridge that does not know the prefix answers its own root's path.
        ["status_url", [prefixed, "http://127.0.0.1:8000/webhooks/whmcs/operations/7/?x=1"]],
        ["status_url", [{"bridge_url": "https://b.example.net"}, "/webhooks/whmcs/operations/7/"]],
    )
    assert urls == [
        "https://host.example.net/bridge/webhooks/whmcs/operations/7/",
        "https://host.example.net/bridge/webhooks/whmcs/operations/7/?x=1",
        "https://b.example.net/webhooks/whmcs/operations/7/",
    ]
