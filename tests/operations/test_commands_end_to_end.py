"""Each command end to end: signed webhook over HTTP → real qcluster → emulator over HTTP."""

import json

import pytest
import requests

from provisioning.models import Operation, Service
from provisioning.signing import route_below, signed_headers
from tests.webhook_client import command_body
from tests.worker_fixtures import wait_until

pytestmark = [pytest.mark.e2e]


def send(live_server, body: dict) -> dict:
    raw = json.dumps(body).encode()
    response = requests.post(
        f"{live_server.url}/webhooks/whmcs/",
        data=raw,
        headers={
            "Content-Type": "application/json",
            **signed_headers("POST", "/webhooks/whmcs/", raw),
        },
        timeout=10,
    )
    assert response.status_code in (200, 202), response.text
    return response.json()


def finished(live_server, accepted: dict, worker) -> dict:
    def status():
        url = accepted["status_url"]
        headers = signed_headers("GET", route_below(url, live_server.url))
        data = requests.get(url, headers=headers, timeout=10).json()
        return data if data["state"] in ("succeeded", "failed") else None

    try:
        return wait_until(status, timeout=30, message=f"operation {accepted['operation']}")
    except AssertionError:
        print(worker.output())
        raise


def test_the_account_lifecycle_reaches_the_panel(live_server, worker, panel):
    params = {"serviceid": 42, "domain": "lifecycle.example.com"}

    created = finished(
        live_server, send(live_server, command_body("CreateAccount", panel, **params)), worker
    )
    assert (created["state"], created["result"]) == ("succeeded", "success")
    account = panel.state.customer("lifecycle.example.com")
    assert account["settled_status"] == "ok"
    assert account["password"] == "Str0ng-pass-42"
    assert account["reseller"] == "reseller1"
    assert Service.objects.get(whmcs_id=42).status == "active"

    suspended = finished(
        live_server, send(live_server, command_body("SuspendAccount", panel, **params)), worker
    )
    assert suspended["result"] == "success"
    assert panel.state.customer("lifecycle.example.com")["settled_status"] == "disabled"
    assert Service.objects.get(whmcs_id=42).status == "suspended"

    finished(
        live_server, send(live_server, command_body("UnsuspendAccount", panel, **params)), worker
    )
    assert panel.state.customer("lifecycle.example.com")["settled_status"] == "ok"
    assert Service.objects.get(whmcs_id=42).status == "active"

    changed = send(
        live_server, command_body("ChangePassword", panel, password="N3w-password", **params)
    )
    assert finished(live_server, changed, worker)["result"] == "success"
    assert panel.state.customer("lifecycle.example.com")["password"] == "N3w-password"
    assert Service.objects.get(whmcs_id=42).password == "N3w-password"

    finished(
        live_server, send(live_server, command_body("TerminateAccount", panel, **params)), worker
    )
    assert panel.state.customer("lifecycle.example.com")["status"] == "todelete"
    assert Service.objects.get(whmcs_id=42).status == "terminated"

    journal = list(Operation.objects.order_by("id").values_list("command", "state", "attempts"))
    assert journal == [
        ("CreateAccount", "succeeded", 1),
        ("SuspendAccount", "succeeded", 1),
        ("UnsuspendAccount", "succeeded", 1),
        ("ChangePassword", "succeeded", 1),
        ("TerminateAccount", "succeeded", 1),
    ]
    assert [r["action"] for r in panel.state.requests] == [
        "create",
        "suspend",
        "unsuspend",
        "changepw",
        "terminate",
    ]


def test_a_panel_refusal_reaches_the_journal_verbatim(live_server, worker, panel):
    body = command_body("CreateAccount", panel, configoption1="NoSuchPlan")
    result = finished(live_server, send(live_server, body), worker)
    assert result["state"] == "failed"
    assert result["result"] == "KaziWhmcs: The 'NoSuchPlan' hosting plan doesn't exists"
    assert Operation.objects.get().result == result["result"]
    assert Service.objects.get().status == "pending"


def test_usage_update_imports_the_figures(live_server, worker, panel):
    finished(
        live_server,
        send(live_server, command_body("CreateAccount", panel, domain="bücher.example")),
        worker,
    )
    panel.state.set_usage("bücher.example", disk_bytes=120_000_000, bw_bytes=3_000_000)
    result = finished(live_server, send(live_server, command_body("UsageUpdate", panel)), worker)
    assert result["state"] == "succeeded"
    entry = result["usage"][0]
    assert (entry["domain"], entry["diskusage"], entry["bwusage"], entry["serviceid"]) == (
        "bücher.example",
        120,
        3,
        42,
    )
    service = Service.objects.get()
    assert (service.disk_usage, service.bw_usage) == (120, 3)
    assert service.usage_updated_at is not None


def test_test_connection_reports_bad_reseller_credentials(live_server, worker, panel):
    body = command_body("TestConnection", panel, serverpassword="wrong-password")
    result = finished(live_server, send(live_server, body), worker)
    assert (result["state"], result["result"]) == ("failed", "KaziWhmcs: Bad password.")
    good = finished(live_server, send(live_server, command_body("TestConnection", panel)), worker)
    assert (good["state"], good["result"]) == ("succeeded", "success")
