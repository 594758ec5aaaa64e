"""Importing the panel's usage list into the services, in bulk."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ..domains import domain_ascii
from ..models import Server, Service, UsageSample
from .imscp.answers import UsageEntry

# Accounts per statement on SQLite (their figures written into the statement's text).
BATCH_SIZE = 2000
# On PostgreSQL the figures travel as five array parameters, so a batch can be larger: it
# bounds one statement's memory, not a parameter count.
PG_BATCH_SIZE = 20_000


def usage_entries_json(server: Server, entries: list[UsageEntry]) -> list[dict]:
    """The panel's list as the status endpoint reports it, with the WHMCS service id
    where the bridge knows the domain on this server."""
    services, _ = _tables()
    with connection.cursor() as cursor:  # raw: the ORM adds 0.03 s per 100,000 rows
        cursor.execute(
            f"SELECT domain_ascii, whmcs_id FROM {services} WHERE server_id = %s AND status <> %s",
            [server.pk, Service.Status.TERMINATED],
        )
        ids = dict(cursor.fetchall())
    rows = [
        {"domain": d, "diskusage": du, "disklimit": dl, "bwusage": bu, "bwlimit": bl}
        for d, du, dl, bu, bl in entries
    ]
    for row in rows:
        serviceid = ids.get(domain_ascii(row["domain"]))
        if serviceid is not None:
            row["serviceid"] = serviceid
    return rows


def usage_import(server: Server, rows: list[dict], now: datetime) -> int:
    """Write disk and bandwidth figures to the server's services, and each one's sample
    for the day (a second import the same day replaces it); returns how many services.
    Terminated services get none (the panel may list an account until it is deleted).

    A few statements per batch of accounts, not one per account, in one transaction.
    Django's bulk_update (a CASE per row and field) and bulk_create (every value prepared
    through its field) cost seconds per 100,000 accounts in Python alone."""
    # A domain listed twice keeps its last figures.
    latest = {domain_ascii(row["domain"]): row for row in rows}
    day = timezone.localdate(now)
    # Raw SQL: values in the backend's own storage form (SQLite keeps naive UTC text).
    stamp = Service._meta.get_field("usage_updated_at").get_db_prep_value(now, connection)
    sample_day = UsageSample._meta.get_field("day").get_db_prep_value(day, connection)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            written = _postgresql_write(cursor, server.pk, latest, stamp, sample_day)
        else:
            written = _sqlite_write(cursor, server.pk, latest, stamp, sample_day)
    usage_history_prune(day)
    return written


def _tables() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(Service._meta.db_table), quote(UsageSample._meta.db_table)


def _postgresql_write(cursor, server_id: int, latest: dict, stamp, sample_day) -> int:
    """One statement per PG_BATCH_SIZE accounts: the figures as five arrays (unnest()),
    joined on (server, domain_ascii), an indexed pair, by the database itself, the UPDATE
    in a CTE whose RETURNING rows feed the sample upsert. A VALUES list with one
    placeholder per value was several times slower to plan and run on PostgreSQL."""
    services, samples = _tables()
    items = list(latest.items())
    written = 0
    for start in range(0, len(items), PG_BATCH_SIZE):
        batch = items[start : start + PG_BATCH_SIZE]
        figures = [r for _, r in batch]
        cursor.execute(
            "WITH v AS (SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bigint[], "
            "%s::bigint[], %s::bigint[]) AS v(d, du, dl, bu, bl)), "
            f"u AS (UPDATE {services} s SET disk_usage = GREATEST(v.du, 0), "
            "disk_limit = v.dl, bw_usage = GREATEST(v.bu, 0), bw_limit = v.bl, "
            "usage_updated_at = %s FROM v WHERE s.server_id = %s AND s.domain_ascii = v.d "
            "AND s.status <> %s RETURNING s.id, s.disk_usage, s.bw_usage) "
            f"INSERT INTO {samples} (service_id, day, disk_usage, bw_usage) "
            "SELECT id, %s, disk_usage, bw_usage FROM u "
            "ON CONFLICT (service_id, day) DO UPDATE "
            "SET disk_usage = excluded.disk_usage, bw_usage = excluded.bw_usage",
            [
                [key for key, _ in batch],
                *(_integer_array(r[name] for r in figures) for name in _FIGURES),
                stamp,
                server_id,
                Service.Status.TERMINATED,
                sample_day,
            ],
        )
        written += cursor.rowcount
    return written


_FIGURES = ("diskusage", "disklimit", "bwusage", "bwlimit")


def _integer_array(values) -> str:
    """Integers as PostgreSQL's array text (`{1,-1,3}`, cast to bigint[] in the SQL):
    psycopg's list adapter runs a regular expression over each element's text, 0.4 s per
    100,000 accounts for these four arrays. `:d` refuses anything but an integer."""
    return "{" + ",".join(f"{value:d}" for value in values) + "}"


def _sqlite_write(cursor, server_id: int, latest: dict, stamp, sample_day) -> int:
    """The server's service ids read once, then per BATCH_SIZE accounts an UPDATE ... FROM
    a VALUES list joined on the id (SQLite 3.33+) and an INSERT ... ON CONFLICT DO UPDATE
    (3.24+). (Figures as one JSON text through json_each, or joined on the domain index,
    ran slower on SQLite: its rowid join is the cheap one.)"""
    services, samples = _tables()
    cursor.execute(
        f"SELECT id, domain_ascii FROM {services} WHERE server_id = %s AND status <> %s",
        [server_id, Service.Status.TERMINATED],
    )
    values = [
        (service_id, row["diskusage"], row["disklimit"], row["bwusage"], row["bwlimit"])
        for service_id, name in cursor.fetchall()
        if (row := latest.get(name)) is not None
    ]
    for start in range(0, len(values), BATCH_SIZE):
        batch = _integer_rows(values[start : start + BATCH_SIZE])
        cursor.execute(
            f"WITH v(id, du, dl, bu, bl) AS (VALUES {batch}) "
            f"UPDATE {services} SET disk_usage = max(v.du, 0), disk_limit = v.dl, "
            f"bw_usage = max(v.bu, 0), bw_limit = v.bl, usage_updated_at = %(stamp)s "
            f"FROM v WHERE {services}.id = v.id",
            {"stamp": stamp},
        )
        cursor.execute(
            f"WITH v(id, du, dl, bu, bl) AS (VALUES {batch}) "
            f"INSERT INTO {samples} (service_id, day, disk_usage, bw_usage) "
            "SELECT id, %(day)s, max(du, 0), max(bu, 0) FROM v WHERE true "
            "ON CONFLICT (service_id, day) DO UPDATE "
            "SET disk_usage = excluded.disk_usage, bw_usage = excluded.bw_usage",
            {"day": sample_day},
        )
    return len(values)


def _integer_rows(rows: list[tuple[int, ...]]) -> str:
    """Rows of integers as SQL VALUES text: `%d` refuses text, so no outside text reaches
    the SQL. As placeholders (10,000 per statement) Django's SQLite cursor rewrote each
    with a regular expression, 0.1 s per 100,000 accounts, and SQLite bound each one; the
    statements' own parameters are named for the same reason (a named parameter is
    substituted by `%` formatting, not by a regular expression over the whole text)."""
    return ", ".join("(%d, %d, %d, %d, %d)" % row for row in rows)  # noqa: UP031 - fastest


def usage_history_prune(today: date) -> int:
    """Keep the last USAGE_HISTORY_DAYS days (today included); returns how many went.

    Runs with every import, so the daily usage run keeps the table bounded."""
    cutoff = today - timedelta(days=settings.USAGE_HISTORY_DAYS - 1)
    deleted, _ = UsageSample.objects.filter(day__lt=cutoff).delete()
    return deleted
