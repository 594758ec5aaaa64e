"""Importing the panel's usage list into the services, in bulk."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .domains import domain_ascii
from .imscp.answers import UsageEntry
from .models import Server, Service, UsageSample

BATCH_SIZE = 500


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

    One UPDATE per BATCH_SIZE services, not one per account. The values travel as a VALUES
    list joined on the id (UPDATE ... FROM, SQLite 3.33+ and PostgreSQL): Django's
    bulk_update builds a CASE expression per row and field, which costs seconds per
    10,000 accounts in Python alone."""
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
    table = connection.ops.quote_name(Service._meta.db_table)
    # Raw SQL: the timestamp in the backend's own storage form (SQLite keeps naive UTC text).
    stamp = Service._meta.get_field("usage_updated_at").get_db_prep_value(now, connection)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(values), BATCH_SIZE):
            batch = values[start : start + BATCH_SIZE]
            rows_sql = ", ".join(["(%s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"WITH v(id, du, dl, bu, bl) AS (VALUES {rows_sql}) "
                f"UPDATE {table} SET disk_usage = v.du, disk_limit = v.dl, bw_usage = v.bu, "
                f"bw_limit = v.bl, usage_updated_at = %s FROM v WHERE {table}.id = v.id",
                [*(value for row in batch for value in row), stamp],
            )
    usage_samples_record(values, timezone.localdate(now))
    usage_history_prune(timezone.localdate(now))
    return len(values)


def usage_samples_record(values: list[tuple], day: date) -> None:
    """Keep the figures just imported (id, disk, disk limit, bandwidth, bandwidth limit)
    as the services' sample for `day`: a second import the same day replaces the first."""
    UsageSample.objects.bulk_create(
        [
            UsageSample(service_id=service_id, day=day, disk_usage=disk, bw_usage=bandwidth)
            for service_id, disk, _, bandwidth, _ in values
        ],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["service", "day"],
        update_fields=["disk_usage", "bw_usage"],
    )


def usage_history_prune(today: date) -> int:
    """Keep the last USAGE_HISTORY_DAYS days (today included); returns how many went.

    Runs with every import, so the daily usage run keeps the table bounded."""
    cutoff = today - timedelta(days=settings.USAGE_HISTORY_DAYS - 1)
    deleted, _ = UsageSample.objects.filter(day__lt=cutoff).delete()
    return deleted
