"""The README's run command: web, worker and demo panel come up together and stop together."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests

from provisioning.signing import route_below, signed_headers
from tests.ports import free_port
from tests.webhook_client import command_body
from tests.worker_fixtures import wait_until

ROOT = Path(__file__).resolve().parents[2]


def test_rundemo_serves_admin_worker_and_panel_until_interrupted(tmp_path):
    web, panel = free_port(), free_port()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="kaziwhmcs_site.settings_test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        Q_POLL="0.05",
    )
    log = open(tmp_path / "rundemo.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rundemo", "--port", str(web), "--panel-port", str(panel)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def up():
            try:
                return requests.get(f"http://127.0.0.1:{web}/admin/login/", timeout=10).ok
            except requests.RequestException:  # not listening yet, or still starting
                return False

        wait_until(up, timeout=60, interval=0.2, message="the web server")
        # The banner comes once the demo panel is seeded and reconciled.
        wait_until(
            lambda: "Stop:" in (tmp_path / "rundemo.log").read_text(),
            timeout=60,
            interval=0.2,
            message="the banner",
        )
        output = (tmp_path / "rundemo.log").read_text()
        assert "user: admin, password: " in output
        assert "send_webhook CreateAccount" in output
        assert "/client/services/101/?expires=" in output

        # The demo panel agrees with the bridge's demo services and has figures of today;
        # the worker imports them.
        panel_state = requests.get(f"http://127.0.0.1:{panel}/_emulator/state", timeout=5).json()
        customers = {c["domain_unicode"]: c for c in panel_state["customers"]}
        assert {"shop.example.com", "legacy-site.example.org"} <= customers.keys()
        assert customers["café-central.example"]["status"] == "disabled"
        assert customers["shop.example.com"]["disk_bytes"] > 0
        database = sqlite3.connect(tmp_path / "demo.sqlite3")

        def imported():
            return database.execute(
                "SELECT count(*) FROM provisioning_operation "
                "WHERE command = 'UsageUpdate' AND state = 'succeeded'"
            ).fetchone()[0]

        wait_until(imported, timeout=30, interval=0.2, message="today's usage import")
        services = database.execute("SELECT count(*) FROM provisioning_service").fetchone()[0]
        reports = database.execute("SELECT count(*) FROM provisioning_reconcilereport")
        assert (services, reports.fetchone()[0]) == (12, 1)
        database.close()

        body = command_body(
            "CreateAccount",
            domain="demo-run.example.com",
            serverid="1",
            serverhostname=f"127.0.0.1:{panel}",
            serverusername="demo-reseller",
            serverpassword="demo-reseller-pass",
        )
        raw = json.dumps(body).encode()
        accepted = requests.post(
            f"http://127.0.0.1:{web}/webhooks/whmcs/",
            data=raw,
            timeout=10,
            headers={
                "Content-Type": "application/json",
                **signed_headers("POST", "/webhooks/whmcs/", raw),
            },
        ).json()

        def done():
            state = requests.get(
                accepted["status_url"],
                headers=signed_headers("GET", route_below(accepted["status_url"])),
                timeout=5,
            ).json()
            return state if state["state"] == "succeeded" else None

        wait_until(done, timeout=30, interval=0.2, message="the create to succeed")
        panel_state = requests.get(f"http://127.0.0.1:{panel}/_emulator/state", timeout=5).json()
        assert "demo-run.example.com" in json.dumps(panel_state)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            os.killpg(process.pid, signal.SIGKILL) if process.poll() is None else None
            log.close()
    assert process.returncode == 0
    assert "Stopped." in (tmp_path / "rundemo.log").read_text()
