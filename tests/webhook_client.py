"""Building and sending webhooks exactly as the contract says (tests' WHMCS side)."""

import copy
import json
import uuid
from pathlib import Path

from provisioning.signing import route_below
from provisioning.signing import signed_headers as request_headers

DATA = Path(__file__).resolve().parent / "data"


def sample_body(name: str = "create_account", **params) -> dict:
    body = json.loads((DATA / f"{name}.json").read_text())
    body["event_id"] = f"whmcs-{uuid.uuid4()}"
    body["params"].update(params)
    return body


def command_body(command: str, panel=None, **params) -> dict:
    """A full WHMCS parameter set for `command`, pointed at the emulator."""
    body = sample_body()
    body["command"] = command
    if panel is not None:
        body["params"]["serverhostname"] = panel.host_port
    body["params"].update(params)
    return copy.deepcopy(body)


def signed_headers(
    raw: bytes, now: float | None = None, path: str = "/webhooks/whmcs/", method: str = "POST"
) -> dict[str, str]:
    """A JSON request's headers, signed (v2) for this method and route."""
    return {"Content-Type": "application/json", **request_headers(method, path, raw, now)}


def post_webhook(client, body: dict | bytes, now: float | None = None, path="/webhooks/whmcs/"):
    """POST with the Django test client, signed."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return post_raw(client, raw, signed_headers(raw, now, path), path)


def post_raw(client, raw: bytes, headers: dict, path="/webhooks/whmcs/", **environ):
    """POST these bytes with exactly these headers (signed or not) as JSON; `environ`
    (SCRIPT_NAME...) as a WSGI server would set it."""
    return client.post(
        path,
        data=raw,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
        **environ,
    )


def get_status(client, url: str, now: float | None = None):
    """GET a signed endpoint (a status URL as the bridge gave it, or a root-relative path)."""
    return client.get(url, headers=request_headers("GET", route_below(url), b"", now))
