"""python manage.py reconcile [--server ID] [--fix]"""

import sys

from django.core.management.base import BaseCommand, CommandError

from ...operations.reconcile import reconcile_run

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Compare the bridge's services with the panels' accounts and report drift "
        "(panel only, bridge only, state mismatch); --fix queues corrective operations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--server", type=int, help="WHMCS id of the one server to check")
        parser.add_argument("--fix", action="store_true", help="queue corrective operations")

    def _progress(self, name: str, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        end = "\n" if done == total else ""
        self.stderr.write(f"\r{name}: [{bar}] {done}/{total}", ending=end)
        sys.stderr.flush()

    def handle(self, *args, server=None, fix=False, **options):
        try:
            report = reconcile_run(
                server_id=server,
                fix=fix,
                requested_by="manage.py reconcile",
                progress=self._progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for drift in report.report["servers"]:
            self.stdout.write(f"Server {drift['name']} (WHMCS id {drift['server_id']}):")
            if drift["error"]:
                self.stdout.write(f"  NOT COMPARED: {drift['error']}")
                continue
            self.stdout.write(f"  {drift['listed']} accounts listed by the panel")
            if drift["degraded"]:
                self.stdout.write(f"  partly compared: {drift['degraded']}")
            for domain in drift["panel_only"]:
                self.stdout.write(f"  panel only:     {domain}")
            for row in drift["bridge_only"]:
                self.stdout.write(
                    f"  bridge only:    {row['domain']} (service {row['serviceid']}, "
                    f"{row['bridge']} in the bridge, not on the panel)"
                )
            for row in drift["mismatches"]:
                self.stdout.write(
                    f"  state mismatch: {row['domain']} (service {row['serviceid']}): "
                    f"bridge {row['bridge']}, panel {row['panel']}"
                )
            for fix_row in drift["fixes"]:
                self.stdout.write(
                    f"  queued:         {fix_row['command']} for service {fix_row['serviceid']} "
                    f"(operation #{fix_row['operation']})"
                )
            for row in drift.get("not_fixed", []):
                self.stdout.write(
                    f"  not fixed:      {row['domain']} (service {row['serviceid']}): {row['why']}"
                )
        totals = report.report["totals"]
        self.stdout.write(
            "Drift: {panel_only} panel only, {bridge_only} bridge only, {mismatches} state "
            "mismatch(es); {fixes} corrective operation(s) queued; "
            "{servers_not_compared} of {servers} server(s) not compared.".format(**totals)
        )
