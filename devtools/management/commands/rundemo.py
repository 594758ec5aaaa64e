"""The main job on embedded defaults: web server, qcluster worker and a demo panel."""

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from devtools.demo import (
    demo_bridge_seed,
    demo_catch_up,
    demo_panel_day,
    demo_panel_seed,
    demo_server,
)
from devtools.demo_accounts import DEMO_RESELLER
from provisioning.signing import client_area_query


class Command(BaseCommand):
    help = "Migrate, set up demo data, and run web + worker + i-MSCP emulator until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--panel-port", type=int, default=8081)

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        password = self._demo_admin()
        server = demo_server(f"127.0.0.1:{opts['panel_port']}")
        demo_bridge_seed(server, timezone.now())
        base = f"http://{opts['host']}:{opts['port']}"
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        processes = [
            subprocess.Popen(
                [
                    *manage,
                    "imscp_emulator",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(opts["panel_port"]),
                ]
            ),
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "kaziwhmcs_site.wsgi",
                    "--bind",
                    f"{opts['host']}:{opts['port']}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                ],
                cwd=settings.BASE_DIR,
            ),
            subprocess.Popen([*manage, "qcluster"]),
        ]
        panel_url = f"http://127.0.0.1:{opts['panel_port']}"
        try:
            self._panel_wait(panel_url, processes)
            customers = demo_panel_seed(panel_url, server, timezone.localdate())
            demo_catch_up(server)
        except BaseException:
            for process in processes:
                process.terminate()
            raise
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Admin:          {base}/admin/  (user: admin, password: {password})",
                    f"Webhook:        {base}/webhooks/whmcs/",
                    f"Demo panel:     http://127.0.0.1:{opts['panel_port']}/  "
                    f"(reseller {DEMO_RESELLER[0]} / {DEMO_RESELLER[1]})",
                    f"Client area:    {base}/client/services/101/?{client_area_query(101)}  "
                    f"(valid {settings.CLIENT_AREA_LINK_SECONDS // 60} min)",
                    "Try it:         .venv/bin/python manage.py send_webhook CreateAccount "
                    "--domain demo.example.com",
                    "Stop:           Ctrl-C",
                    "",
                ]
            )
        )
        self.stdout.flush()
        self._supervise(processes, lambda day: demo_panel_day(panel_url, customers, day))

    def _demo_admin(self) -> str:
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        return password

    def _panel_wait(self, url: str, processes: list[subprocess.Popen]) -> None:
        """The demo panel is seeded through its control API: wait until it answers."""
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/_emulator/state", timeout=2).raise_for_status()
                return
            except requests.RequestException:
                if time.monotonic() > deadline or processes[0].poll() is not None:
                    raise
                time.sleep(0.1)

    def _supervise(self, processes: list[subprocess.Popen], new_day: Callable[[date], None]):
        """Until Ctrl-C or a process ends; the panel's figures move when the date does."""
        stopping = False
        day = timezone.localdate()

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.2)
            if timezone.localdate() != day:
                day = timezone.localdate()
                new_day(day)
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.stdout.write("Stopped." if stopping else "A process ended; stopped the others.")
        if not stopping:
            os._exit(1)
