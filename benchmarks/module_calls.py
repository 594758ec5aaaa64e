"""Calls of the kaziwhmcs PHP module (WHMCS's side), run by `roundtrip_calls.php`."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from .servers import BENCH_ENV, RESELLER

DRIVER = Path(__file__).resolve().parent / "roundtrip_calls.php"


def php_binary() -> str:
    found = shutil.which("php")
    if found is None:
        raise RuntimeError("PHP is not installed (Debian package php-cli)")
    return found


def service_params(service_id: int, domain: str, panel_host_port: str) -> dict:
    """WHMCS's $params for a service on the emulated panel (strings, as WHMCS sends them)."""
    host = panel_host_port.split(":")[0]
    return {
        "serviceid": str(service_id),
        "accountid": str(service_id),
        "userid": str(service_id),
        "pid": "1",
        "serverid": "1",
        "domain": domain,
        "username": f"rt{service_id}",
        "password": f"Roundtrip-pass-{service_id}x",
        "configoption1": "Basic",
        "servername": "Benchmark panel",
        "serverhostname": panel_host_port,
        "serverip": host,
        "serversecure": "",
        "serverusername": RESELLER[0],
        "serverpassword": RESELLER[1],
        "clientsdetails": {
            "userid": service_id,
            "firstname": "Round",
            "lastname": f"Trip {service_id}",
            "email": f"rt{service_id}@example.test",
            "countryname": "United Kingdom",
        },
    }


def calls_spec(bridge_url: str, calls: list[tuple[str, dict]], wait_seconds: float = 25) -> dict:
    return {
        "bridge_url": bridge_url,
        "webhook_secret": BENCH_ENV["WEBHOOK_SECRET"],
        "wait_seconds": wait_seconds,
        "calls": [list(call) for call in calls],
    }


def module_start(bridge_url: str, calls: list[tuple[str, dict]]) -> subprocess.Popen:
    """One PHP process making `calls` one after the other; read it with `module_result`."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
        json.dump(calls_spec(bridge_url, calls), spec)
    process = subprocess.Popen(
        [php_binary(), str(DRIVER), spec.name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.spec_path = spec.name
    return process


def module_result(process: subprocess.Popen) -> tuple[list[float], list[str]]:
    """(seconds per call, what each call returned to WHMCS)."""
    out, err = process.communicate(timeout=600)
    Path(process.spec_path).unlink(missing_ok=True)
    if process.returncode != 0:
        raise RuntimeError(f"the PHP module driver failed: {err or out}")
    data = json.loads(out)
    return data["seconds"], data["results"]


def module_calls(bridge_url: str, calls: list[tuple[str, dict]]) -> tuple[list[float], list[str]]:
    return module_result(module_start(bridge_url, calls))
