"""Importing the panel's usage list into the services, in bulk."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .domains import domain_ascii
from .imscp.answers import UsageEntry
from .models import Server, Service, UsageSample

# Accounts per statement: 10,000 parameters, well under SQLite's (32,766) and
# PostgreSQL's (65,535) limits.
BATCH_SIZE = 2000


def usage_entries_json(server: Server, entries: list[UsageEntry]) -> list[dict]:
    """The panel's list as the status endpoint reports it, with the WHMCS service id
    where the bridge knows the domain on this server."""
    ids = dict(
        Service.objects.filter(server=server)
        .exclude(status=Service.Status.TERMINATED)
        .values_list("domain_ascii", "whmcs_id")
    )
    rows = []
    for entry in entries:
        row = {
            "domain": entry.domain,
            "diskusage": entry.diskusage,
            "disklimit": entry.disklimit,
            "bwusage": entry.bwusage,
            "bwlimit": entry.bwlimit,
        }
        serviceid = ids.get(domain_ascii(entry.domain))
        if serviceid is not None:
            row["serviceid"] = serviceid
        rows.append(row)
    return rows


def usage_import(server: Server, rows: list[dict], now: datetime) -> int:
    """Write disk and bandwidth figures to the server's services; returns how many.

    One UPDATE and one sample upsert per BATCH_SIZE services, not one per account. The
    values travel as a VALUES list joined on the id (UPDATE ... FROM, SQLite 3.33+ and
    PostgreSQL), and the samples by the same kind of raw SQL: Django's bulk_update builds
    a CASE expression per row and field, and bulk_create prepares every value through
    its field, which cost seconds per 100,000 accounts in Python alone."""
    by_domain = {domain_ascii(row["domain"]): row for row in rows}
    values = []
    for service_id, name in (
        Service.objects.filter(server=server).values_list("id", "domain_ascii").iterator(5000)
    ):
        row = by_domain.get(name)
        if row is not None:
            values.append(
                (
                    service_id,
                    max(row["diskusage"], 0),
                    row["disklimit"],
                    max(row["bwusage"], 0),
                    row["bwlimit"],
                )
            )
    day = timezone.localdate(now)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(values), BATCH_SIZE):
            _batch_write(cursor, values[start : start + BATCH_SIZE], now, day)
    usage_history_prune(day)
    return len(values)


def _batch_write(cursor, batch: list[tuple], now: datetime, day: date) -> None:
    """The figures of `batch` (id, disk, disk limit, bandwidth, bandwidth limit) onto the
    services, and as their sample for `day` (a second import the same day replaces it):
    two statements (INSERT ... ON CONFLICT DO UPDATE: SQLite 3.24+ and PostgreSQL)."""
    quote = connection.ops.quote_name
    services, samples = quote(Service._meta.db_table), quote(UsageSample._meta.db_table)
    # Raw SQL: values in the backend's own storage form (SQLite keeps naive UTC text).
    stamp = Service._meta.get_field("usage_updated_at").get_db_prep_value(now, connection)
    sample_day = UsageSample._meta.get_field("day").get_db_prep_value(day, connection)
    cursor.execute(
        f"WITH v(id, du, dl, bu, bl) AS (VALUES {_placeholders(5, len(batch))}) "
        f"UPDATE {services} SET disk_usage = v.du, disk_limit = v.dl, bw_usage = v.bu, "
        f"bw_limit = v.bl, usage_updated_at = %s FROM v WHERE {services}.id = v.id",
        [*(value for row in batch for value in row), stamp],
    )
    cursor.execute(
        f"INSERT INTO {samples} (service_id, day, disk_usage, bw_usage) "
        f"VALUES {_placeholders(4, len(batch))} "
        "ON CONFLICT (service_id, day) DO UPDATE "
        "SET disk_usage = excluded.disk_usage, bw_usage = excluded.bw_usage",
        [value for row in batch for value in (row[0], sample_day, row[1], row[3])],
    )


def _placeholders(columns: int, rows: int) -> str:
    row = "(" + ", ".join(["%s"] * columns) + ")"
    return ", ".join([row] * rows)


def usage_history_prune(today: date) -> int:
    """Keep the last USAGE_HISTORY_DAYS days (today included); returns how many went.

    Runs with every import, so the daily usage run keeps the table bounded."""
    cutoff = today - timedelta(days=settings.USAGE_HISTORY_DAYS - 1)
    deleted, _ = UsageSample.objects.filter(day__lt=cutoff).delete()
    return deleted
