"""Incidents: one row per thing that is wrong, opened once, repeated silently, resolved once.

Opening and resolving create the alerts (`alerts.alerts_create`) in the caller's
transaction; the worker sends them after the commit. Four kinds, each with its rule:

- an operation of a service's command failed for good (`operation_incidents_update`,
  told by the worker as it finishes an attempt, `handoffs.attempt_finished`): resolved
  when the command, or one that replaces it, later succeeds on that service;
- a suspension owed for longer than ALERT_SUSPENSION_OWED_MINUTES
  (`suspension_incidents.py`, every minute);
- a server unreachable, locking the bridge out or refusing the reseller's login
  (`operation_incidents_update` too): opened once the problem lasts (see
  `server_failure_record`), resolved after ALERT_SERVER_QUIET_MINUTES without a failure
  since a successful call (an operation, a Test Connection, a usage import or a
  reconciliation), so that a flapping panel is one incident, not one per flap;
- reconciliation drift on a server (`reconcile_incidents_update`, after each run,
  `handoffs.reconcile_saved`)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ..models import Alert, Incident, Operation, ReconcileReport, Server
from ..panels.imscp.errors import PanelLockedOut, PanelLoginRefused, PanelTransientError
from .alerts import alerts_create

Kind = Incident.Kind
Command = Operation.Command
State = Operation.State

# What a later success of a command settles: the same command, or billing's newer word.
_SETTLED_BY = {
    Command.CREATE: (Command.CREATE,),
    Command.SUSPEND: (Command.SUSPEND, Command.UNSUSPEND),
    Command.UNSUSPEND: (Command.UNSUSPEND, Command.SUSPEND),
    Command.TERMINATE: Operation.SERVICE_COMMANDS,
    Command.CHANGE_PASSWORD: (Command.CHANGE_PASSWORD,),
}


def incident_open(kind: str, key: str, *, title: str, detail: str, now: datetime, **refs):
    """Open the incident, or count a repeat of the open one (no alert).

    Returns the incident if it was opened now. `refs`: server, service, operation, report,
    command. Safe inside the caller's transaction and against a concurrent opener."""
    with transaction.atomic(savepoint=False):
        if _repeat(kind, key, detail, now):
            return None
        try:
            with transaction.atomic():  # a concurrent opener may win the unique constraint
                incident = Incident.objects.create(
                    kind=kind,
                    key=key,
                    title=title[:300],
                    detail=detail,
                    latest_detail=detail,
                    opened_at=now,
                    last_seen_at=now,
                    **refs,
                )
        except IntegrityError:
            _repeat(kind, key, detail, now)
            return None
        alerts_create(incident, Alert.Event.OPENED, now)
        return incident


def _repeat(kind: str, key: str, detail: str, now: datetime) -> bool:
    # A server incident's quiet period starts again with the failure.
    return bool(
        Incident.objects.filter(kind=kind, key=key, resolved_at=None).update(
            occurrences=F("occurrences") + 1,
            last_seen_at=now,
            latest_detail=detail,
            recovered_at=None,
        )
    )


def incident_resolve(incident: Incident, resolution: str, now: datetime) -> bool:
    """End an open incident (one alert); False if it had already ended."""
    ended = Incident.objects.filter(pk=incident.pk, resolved_at=None).update(
        resolved_at=now, resolution=resolution
    )
    if ended:
        incident.resolved_at, incident.resolution = now, resolution
        alerts_create(incident, Alert.Event.RESOLVED, now)
    return bool(ended)


def _operation_key(service_id: int, command: str) -> str:
    return f"service:{service_id}:{command}"


def _server_key(server_id: int) -> str:
    return f"server:{server_id}"


def server_problem_of(error: Exception | None, text: str) -> str | None:
    """A short statement of what keeps the bridge from a panel, if the failure says so
    (`text`: its message, secrets removed)."""
    if isinstance(error, PanelLockedOut):
        return f"locked out by the panel's brute-force protection: {text}"
    if isinstance(error, PanelLoginRefused):
        return f"the panel refuses the reseller's login: {text}"
    if isinstance(error, PanelTransientError) and error.unreachable:
        return f"unreachable: {text}"
    return None


def server_incident_open(server: Server, problem: str, now: datetime) -> None:
    """Open the server's incident with `problem`; a problem while one is open is a repeat
    (it ends a quiet period of successes)."""
    incident_open(
        Kind.SERVER_PROBLEM,
        _server_key(server.pk),
        title=f"Server {server}: {problem}",
        detail=problem,
        now=now,
        server=server,
    )


def _problem_lasts(server: Server, error: Exception | None) -> bool:
    """Whether a failure is more than a flap: the panel paused the bridge (a lock-out),
    refused the reseller's login (its own word, not a flap), or PANEL_PAUSE_AFTER_FAILURES
    calls in a row could not reach it (the count the panel access keeps on the server
    row, this call included; its pause starts with the same call)."""
    if isinstance(error, (PanelLockedOut, PanelLoginRefused)):
        return True
    return (server.unreachable_in_row or 0) >= settings.PANEL_PAUSE_AFTER_FAILURES


def server_failure_record(
    server: Server, error: Exception | None, text: str, now: datetime
) -> None:
    """A call that met a server problem: opens the server's incident once the problem
    lasts; a flap while one is open only counts (and ends its quiet period)."""
    problem = server_problem_of(error, text)
    if problem is None:
        return
    if _problem_lasts(server, error):
        server_incident_open(server, problem, now)
    else:
        _repeat(Kind.SERVER_PROBLEM, _server_key(server.pk), problem, now)


def server_success_record(server_id: int, what: str, now: datetime) -> None:
    """A call that reached the panel (`what`: which): the server's open incident starts
    its quiet period, or ends if that has passed."""
    Incident.objects.filter(
        kind=Kind.SERVER_PROBLEM, key=_server_key(server_id), resolved_at=None, recovered_at=None
    ).update(recovered_at=now, latest_detail=what)
    server_incidents_settle(now, server_id=server_id)


def server_incidents_settle(now: datetime | None = None, *, server_id: int | None = None) -> int:
    """End the server incidents quiet for ALERT_SERVER_QUIET_MINUTES since a success, as
    long as no call to the panel is failing now (any caller's: the server row's count and
    pause); returns how many ended. Run by the minutely sweep: a panel that recovered and
    is called no more still gets its "Resolved"."""
    now = now or timezone.now()
    quiet = settings.ALERT_SERVER_QUIET_MINUTES
    rows = Incident.objects.filter(
        kind=Kind.SERVER_PROBLEM,
        resolved_at=None,
        recovered_at__lte=now - timedelta(minutes=quiet),
    ).filter(
        Q(server=None)
        | (
            Q(server__unreachable_in_row=0)
            & (Q(server__paused_until=None) | Q(server__paused_until__lte=now))
        )
    )
    if server_id is not None:
        rows = rows.filter(key=_server_key(server_id))
    ended = 0
    for incident in rows:
        resolution = f"{incident.latest_detail}, and no call failed in the {quiet} minutes since"
        ended += incident_resolve(incident, resolution, now)
    return ended


def operation_incidents_update(
    op: Operation, state: str, text: str = "", error: Exception | None = None
) -> None:
    """What one finished attempt tells (called in the transaction that records it).

    `text`: the attempt's failure text, secrets already removed; `error`: the failure."""
    now = timezone.now()
    if state == State.SUCCEEDED:
        _success_settles(op, now)
        return
    server_failure_record(op.server, error, text, now)
    if state == State.FAILED and op.service_id is not None and op.command in _SETTLED_BY:
        incident_open(
            Kind.OPERATION_FAILED,
            _operation_key(op.service_id, op.command),
            title=f"{op.command} failed for {op.service.domain}",
            detail=text,
            now=now,
            server=op.server,
            service=op.service,
            operation=op,
            command=op.command,
        )


def attempt_incidents_update(
    sender, operation: Operation, state: str, text: str = "", error=None, **kwargs
) -> None:
    """`handoffs.attempt_finished`."""
    operation_incidents_update(operation, state, text, error)


def open_incident_counts() -> dict[str, int]:
    """Open incidents by kind (kinds with none left out): one query."""
    return dict(
        Incident.objects.filter(resolved_at=None)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )


def _success_settles(op: Operation, now: datetime) -> None:
    server_success_record(
        op.server_id, f"the panel answered {op.command} (operation #{op.pk})", now
    )
    if op.service_id is None or op.command not in _SETTLED_BY:
        return
    keys = [_operation_key(op.service_id, c) for c in _SETTLED_BY[op.command]]
    # Queries on the open incidents (a small, indexed set), only while any is open.
    for incident in Incident.objects.filter(
        kind=Kind.OPERATION_FAILED, key__in=keys, resolved_at=None
    ):
        incident_resolve(incident, f"{op.command} succeeded (operation #{op.pk})", now)


def operation_incidents_settle(now: datetime | None = None) -> int:
    """End the operation-failed incidents that a later success settled without a
    worker's attempt: billing's newer word answered as already in effect (an unsuspend
    of the active account a suspension failed on) is journaled as a success of its own.
    Run by the minutely sweep; one query per open incident of the kind (a small set)."""
    now = now or timezone.now()
    ended = 0
    for incident in Incident.objects.filter(
        kind=Kind.OPERATION_FAILED, resolved_at=None, service__isnull=False
    ).exclude(operation=None):
        later = (
            Operation.objects.filter(
                service_id=incident.service_id,
                command__in=_SETTLED_BY.get(incident.command, ()),
                state=State.SUCCEEDED,
                id__gt=incident.operation_id,
            )
            .order_by("id")
            .values_list("pk", "command")
            .first()
        )
        if later is not None:
            pk, command = later
            ended += incident_resolve(incident, f"{command} succeeded (operation #{pk})", now)
    return ended


def _drift_text(drift: dict) -> str:
    parts = []
    for field, label in (
        ("panel_only", "on the panel only"),
        ("bridge_only", "in the bridge only"),
        ("mismatches", "state differs"),
    ):
        rows = drift.get(field) or []
        if rows:
            names = [row if isinstance(row, str) else row.get("domain", "?") for row in rows[:5]]
            more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
            parts.append(f"{len(rows)} {label} ({', '.join(names)}{more})")
    return "; ".join(parts)


def reconcile_incidents_update(report: ReconcileReport) -> None:
    """Open (or repeat) an incident per server with drift; resolve it for a server compared
    without drift. Servers that could not be compared keep what they had; a server
    compared is a successful call to its panel (see `server_success_record`)."""
    now = report.finished_at
    drifts = {d["server_id"]: d for d in report.report.get("servers", []) if not d.get("error")}
    servers = {s.whmcs_id: s for s in Server.objects.filter(whmcs_id__in=drifts)}
    for whmcs_id, drift in drifts.items():
        server = servers.get(whmcs_id)
        if server is None:
            continue
        server_success_record(server.pk, f"reconciliation #{report.pk} compared it", now)
        key, text = _server_key(server.pk), _drift_text(drift)
        if text:
            incident_open(
                Kind.RECONCILE_DRIFT,
                key,
                title=f"Reconciliation drift on server {server}",
                detail=text,
                now=now,
                server=server,
                report=report,
            )
            continue
        for incident in Incident.objects.filter(
            kind=Kind.RECONCILE_DRIFT, key=key, resolved_at=None
        ):
            incident_resolve(incident, f"no drift in reconciliation #{report.pk}", now)


def reconcile_incidents_received(sender, report: ReconcileReport, **kwargs) -> None:
    """`handoffs.reconcile_saved`."""
    reconcile_incidents_update(report)
