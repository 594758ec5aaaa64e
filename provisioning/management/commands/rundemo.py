"""The main job on embedded defaults: web server, qcluster worker and a demo panel."""

import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from provisioning.models import Product, Server

DEMO_RESELLER = ("demo-reseller", "demo-reseller-pass")


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
        self._demo_server(opts["panel_port"])
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
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Admin:          {base}/admin/  (user: admin, password: {password})",
                    f"Webhook:        {base}/webhooks/whmcs/",
                    f"Demo panel:     http://127.0.0.1:{opts['panel_port']}/  "
                    f"(reseller {DEMO_RESELLER[0]} / {DEMO_RESELLER[1]})",
                    "Try it:         .venv/bin/python manage.py send_webhook CreateAccount "
                    "--domain demo.example.com",
                    "Stop:           Ctrl-C",
                    "",
                ]
            )
        )
        self._supervise(processes)

    def _demo_admin(self) -> str:
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        return password

    def _demo_server(self, panel_port: int) -> None:
        Server.objects.update_or_create(
            whmcs_id=1,
            defaults={
                "name": "Demo panel (emulator)",
                "hostname": f"127.0.0.1:{panel_port}",
                "secure": False,
                "reseller_username": DEMO_RESELLER[0],
                "reseller_password": DEMO_RESELLER[1],
            },
        )
        Product.objects.get_or_create(
            whmcs_id=1, defaults={"name": "Demo hosting", "plan_name": "Basic"}
        )

    def _supervise(self, processes: list[subprocess.Popen]) -> None:
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.2)
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
