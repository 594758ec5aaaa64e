"""The emulator's control API under /_emulator/ (not part of a real panel): state, reset,
seed, faults, settings, deletions finished, the requests and logins it saw. For the demo
and out-of-process tests."""

import json
from dataclasses import asdict
from urllib.parse import parse_qs, urlsplit

from .emulator_state import PanelState, seed_demo

JSON = "application/json; charset=UTF-8"


def control_answer(handler, name: str) -> None:
    """JSON endpoints under /_emulator/ for the demo and out-of-process tests."""
    state = handler.emulator.state
    route = (handler.command, name)
    try:
        payload = json.loads(handler.body or b"{}") if handler.command == "POST" else {}
        if not isinstance(payload, dict):
            raise ValueError("the body must be a JSON object")
        if route == ("GET", "state"):
            result = state.snapshot()
        elif route == ("POST", "reset"):
            state.reset()
            if payload.get("demo"):
                seed_demo(state)
            result = {"ok": True}
        elif route == ("POST", "seed"):
            result = {"seeded": _seed(state, payload)}
        elif route in (("GET", "faults"), ("POST", "faults")):
            if payload.get("clear"):
                state.clear_faults()
            faults = payload.get("faults", [payload] if "kind" in payload else [])
            for fault in faults:
                state.add_fault(**fault)
            result = {"faults": [asdict(f) for f in state.faults]}
        elif route == ("POST", "settings"):
            result = {"settings": asdict(state.configure(**payload))}
        elif route == ("POST", "finish-deletions"):
            result = {"deleted": state.finish_deletion(payload.get("domain"))}
        elif route == ("GET", "requests"):
            action = parse_qs(urlsplit(handler.path).query).get("action", [None])[-1]
            result = {"requests": state.requests_for(action)}
        elif route == ("GET", "logins"):
            result = {"logins": list(state.login_log)}
        else:
            result = {"error": f"no control endpoint {route[0]} /_emulator/{name}"}
            return handler._send(404, json.dumps(result), content_type=JSON, panel=False)
    except (ValueError, TypeError, KeyError) as exc:
        result = {"error": str(exc)}
        return handler._send(400, json.dumps(result), content_type=JSON, panel=False)
    handler._send(200, json.dumps(result, ensure_ascii=False), content_type=JSON, panel=False)


def _seed(state: PanelState, payload: dict) -> dict[str, int]:
    seeders = {
        "resellers": state.seed_reseller,
        "admins": state.seed_admin,
        "plans": state.seed_plan,
        "customers": state.seed_customer,
        "aliases": state.seed_alias,
        "usage": state.set_usage,
    }
    unknown = payload.keys() - seeders.keys() - {"bulk"}
    if unknown:
        raise ValueError(f"unknown seed keys: {', '.join(sorted(unknown))}")
    counts = {}
    for key, seeder in seeders.items():  # in this order: resellers before their plans...
        for item in payload.get(key, []):
            seeder(**item)
        counts[key] = len(payload.get(key, []))
    if "bulk" in payload:
        counts["bulk"] = state.seed_customers_bulk(**payload["bulk"])
    return counts
