"""python manage.py soak --services 1000 --workers 4 --fault-rate 0.1"""

import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from devtools.soak import soak_report, soak_run


class Command(BaseCommand):
    help = (
        "Soak test on a throwaway database (never the configured one): webhooks for many "
        "services, duplicate deliveries, random panel faults, a worker killed mid-run. "
        "Exits non-zero unless duplicates, mismatches and unfinished operations are all 0."
    )

    def add_arguments(self, parser):
        parser.add_argument("--services", type=int, default=1000)
        parser.add_argument("--workers", type=int, default=4, help="worker processes in all")
        parser.add_argument("--fault-rate", type=float, default=0.1)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--timeout", type=float, default=600, help="seconds to wait at the end")

    def handle(self, *args, services, workers, fault_rate, seed, timeout, **options):
        if services < 1 or workers < 1 or not 0 <= fault_rate < 1:
            raise CommandError("--services and --workers must be positive, --fault-rate in [0, 1)")
        # The test database machinery gives a fresh, migrated, throwaway database (a temp
        # SQLite file, or test_<name> on PostgreSQL) and removes it afterwards.
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            call_command("migrate", verbosity=0)
            log_dir = Path(tempfile.mkdtemp(prefix="kaziwhmcs-soak-"))
            self.stdout.write(
                f"soak: {services} services, {workers} workers, fault rate {fault_rate} on "
                f"{connection.vendor}; worker logs in {log_dir}"
            )
            result = soak_run(
                services=services,
                workers=workers,
                fault_rate=fault_rate,
                log_dir=log_dir,
                seed=seed,
                timeout=timeout,
                out=self.stdout,
            )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        self.stdout.write(soak_report(result))
        if not result.ok:
            raise CommandError("soak failed: duplicates, mismatches or unfinished operations")
