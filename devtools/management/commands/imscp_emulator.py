"""Serve the i-MSCP panel emulator (the KaziWhmcs plugin) until Ctrl-C: `make run`'s panel."""

from django.core.management.base import BaseCommand

from devtools.emulator import Emulator, seed_demo


class Command(BaseCommand):
    help = "Run an emulated i-MSCP panel with the KaziWhmcs plugin, for demos and tests."
    requires_system_checks = []  # needs neither the database nor the app's checks
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
        parser.add_argument("--endpoint", default="/kaziwhmcs", help="the plugin's path")
        parser.add_argument(
            "--no-demo", action="store_true", help='do not seed "demo-reseller" and its plans'
        )

    def handle(self, *args, **options) -> None:
        emulator = Emulator(endpoint=options["endpoint"], verbose=options["verbosity"] > 1)
        if not options["no_demo"]:
            seed_demo(emulator.state)
        emulator.bind(options["host"], options["port"])
        self.stdout.write(f"i-MSCP panel emulator on {emulator.url}")
        self.stdout.write(f"  KaziWhmcs endpoint: {emulator.url}{emulator.endpoint}")
        self.stdout.write(f"  control API:        {emulator.url}/_emulator/state")
        if not options["no_demo"]:
            self.stdout.write("  reseller demo-reseller / demo-reseller-pass, plans Basic and Pro")
        self.stdout.write("Quit with Ctrl-C.")
        self.stdout.flush()
        emulator.serve_forever()
