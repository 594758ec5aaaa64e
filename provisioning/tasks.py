"""django-q2 entry points: thin, each calls the rule of the same name."""

from django.utils import timezone

from .models import Operation, Server
from .monitoring import alerts, incidents, suspension_incidents
from .operations import accepting, sweep, worker
from .panels import timings


def operation_run(operation_id: int) -> str | None:
    return worker.operation_run(operation_id)


def operations_sweep() -> int:
    return sweep.operations_sweep()


def usage_update_all() -> int:
    """The daily usage import: one UsageUpdate per active server."""
    count = 0
    for server in Server.objects.filter(active=True):
        _, created = accepting.operation_request(
            Operation.Command.USAGE_UPDATE,
            server=server,
            source=Operation.Source.SCHEDULE,
            requested_by=f"daily usage import {timezone.now():%Y-%m-%d}",
        )
        count += created
    return count


def reconcile_report() -> int:
    """The daily reconciliation, in report mode (nothing queued): the dashboard shows it.
    One task per server compares it in parts (reconcile_parts.py)."""
    from .operations.reconcile_parts import reconcile_start

    report = reconcile_start(requested_by=f"daily reconciliation {timezone.now():%Y-%m-%d}")
    return report.pk


def reconcile_part(report_id: int, server_pk: int, after: int) -> str:
    from .operations.reconcile_parts import reconcile_part as part

    return part(report_id, server_pk, after)


def alerts_deliver() -> int:
    return alerts.alerts_deliver()


def monitoring_sweep() -> int:
    """Every minute: suspensions owed long enough become incidents; server incidents
    quiet long enough end, and failed commands that billing's newer word settled; alerts
    a failed channel delayed go out (those of a channel no longer configured are
    dropped); old panel call timings are folded into the totals."""
    suspension_incidents.suspension_incidents_check()
    incidents.server_incidents_settle()
    incidents.operation_incidents_settle()
    timings.panel_calls_fold()
    alerts.alerts_of_removed_channels_drop()
    return alerts.alerts_deliver()
