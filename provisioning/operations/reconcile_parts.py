"""The daily reconciliation in parts: one task per server, each comparing at most
RECONCILE_PART services (one customer login each) for at most half the task timeout,
and writing them into the day's report before it queues the next part. A server of
thousands of services is compared within any task timeout, and what a killed part
compared is not lost.

Every part is safe to run twice: the report holds each server's cursor (the last service
id compared), and a part merges only if it starts where the cursor is."""

import time
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..db.task_broker import broker
from ..handoffs import reconcile_saved
from ..models import ReconcileReport, Server, Service
from .reconcile import ServerDrift, drift_row, report_totals, server_compare

# Services per part: a customer login each, well inside the task timeout.
RECONCILE_PART = 200


def _part_enqueue(report_id: int, server_pk: int, after: int) -> None:
    from django_q.tasks import async_task

    async_task(
        "provisioning.tasks.reconcile_part",
        report_id,
        server_pk,
        after,
        task_name=f"reconcile-{report_id}-{server_pk}-{after}",
        group="reconcile",
        broker=broker(),
    )


def reconcile_start(requested_by: str) -> ReconcileReport:
    """The day's report, empty, and one task per active server to fill it."""
    now = timezone.now()
    servers = list(Server.objects.filter(active=True).order_by("id").values_list("pk", flat=True))
    with transaction.atomic():
        report = ReconcileReport.objects.create(
            started_at=now,
            finished_at=now,
            requested_by=requested_by,
            report={
                "servers": [],
                "totals": report_totals([]),
                "running": {str(pk): 0 for pk in servers},
            },
        )
        for pk in servers:
            transaction.on_commit(partial(_part_enqueue, report.pk, pk, 0))
        if not servers:
            _finish(report)
    return report


def reconcile_part(report_id: int, server_pk: int, after: int) -> str:
    """Compare the server's next services past `after`, merge them into the report, and
    queue the next part (or end the server's share)."""
    report = ReconcileReport.objects.filter(pk=report_id).first()
    server = Server.objects.filter(pk=server_pk).first()
    if report is None or server is None or _cursor(report, server_pk) != after:
        return "nothing to do"  # already merged (a task delivered again) or gone
    # Half the task timeout at most, whatever the panel's pace.
    deadline = time.monotonic() + settings.Q_CLUSTER["timeout"] / 2
    drift = server_compare(server, after=after, limit=RECONCILE_PART, deadline=deadline)
    more = (
        not drift.error
        and Service.objects.filter(server=server, id__gt=drift.last_service_id).exists()
    )
    with transaction.atomic():
        row = ReconcileReport.objects.select_for_update().get(pk=report_id)
        if _cursor(row, server_pk) != after:
            return "nothing to do"
        data = row.report
        _merge(data["servers"], drift)
        if more:
            data["running"][str(server_pk)] = drift.last_service_id
            transaction.on_commit(
                partial(_part_enqueue, report_id, server_pk, drift.last_service_id)
            )
        else:
            del data["running"][str(server_pk)]
        data["totals"] = report_totals(data["servers"])
        row.finished_at = timezone.now()
        row.save(update_fields=["report", "finished_at"])
        if not data["running"]:
            _finish(row)
    return f"{drift.compared} compared on {server}"


def _cursor(report: ReconcileReport, server_pk: int) -> int | None:
    return report.report.get("running", {}).get(str(server_pk))


def _merge(servers: list[dict], drift: ServerDrift) -> None:
    part = drift_row(drift)
    row = next((d for d in servers if d["server_id"] == part["server_id"]), None)
    if row is None:
        servers.append(part)
        return
    for name in ("panel_only", "bridge_only", "mismatches", "fixes", "not_fixed"):
        row[name] += part[name]
    row["listed"] = max(row["listed"], part["listed"])
    row["error"] = row["error"] or part["error"]
    if part["degraded"] and part["degraded"] not in row["degraded"]:
        row["degraded"] = "; ".join(filter(None, (row["degraded"], part["degraded"])))


def _finish(report: ReconcileReport) -> None:
    """Every server compared: the report is complete, its incidents updated."""
    report.report.pop("running", None)
    report.save(update_fields=["report"])
    reconcile_saved.send(sender=ReconcileReport, report=report)  # incidents
