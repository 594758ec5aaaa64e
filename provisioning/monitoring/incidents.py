"""Incidents: one row per thing that is wrong, opened once, repeated silently, resolved once.

Opening and resolving create the alerts (`alerts.alerts_create`) in the caller's
transaction; the worker sends them after the commit. Four kinds, each with its rule:

- an operation of a service's command failed for good (`operation_incidents_update`,
  told by the worker as it finishes an attempt, `handoffs.attempt_finished`): resolved
  when the command, or one that replaces it, later succeeds on that service;
- a suspension owed for longer than ALERT_SUSPENSION_OWED_MINUTES
  (`suspension_incidents_check`, every minute);
- a server unreachable, locking the bridge out or refusing the reseller's login
  (`operation_incidents_update` too): resolved by the next success on that server;
- reconciliation drift on a server (`reconcile_incidents_update`, after each run,
  `handoffs.reconcile_saved`)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ..models import Alert, Incident, Operation, ReconcileReport, Server
from ..operations.debts import suspensions_owed_operations
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
    return bool(
        Incident.objects.filter(kind=kind, key=key, resolved_at=None).update(
            occurrences=F("occurrences") + 1, last_seen_at=now, latest_detail=detail
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
    (the next success on the server resolves it)."""
    incident_open(
        Kind.SERVER_PROBLEM,
        _server_key(server.pk),
        title=f"Server {server}: {problem}",
        detail=problem,
        now=now,
        server=server,
    )


def operation_incidents_update(
    op: Operation, state: str, text: str = "", error: Exception | None = None
) -> None:
    """What one finished attempt tells (called in the transaction that records it).

    `text`: the attempt's failure text, secrets already removed; `error`: the failure."""
    now = timezone.now()
    if state == State.SUCCEEDED:
        _success_settles(op, now)
        return
    problem = server_problem_of(error, text)
    if problem is not None:
        server_incident_open(op.server, problem, now)
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
    # One query on the open incidents (a small, indexed set) per success.
    wanted = Q(kind=Kind.SERVER_PROBLEM, key=_server_key(op.server_id))
    if op.service_id is not None and op.command in _SETTLED_BY:
        keys = [_operation_key(op.service_id, c) for c in _SETTLED_BY[op.command]]
        wanted |= Q(kind=Kind.OPERATION_FAILED, key__in=keys)
    for incident in Incident.objects.filter(wanted, resolved_at=None):
        if incident.kind == Kind.SERVER_PROBLEM:
            resolution = f"the panel answered {op.command} (operation #{op.pk})"
        else:
            resolution = f"{op.command} succeeded (operation #{op.pk})"
        incident_resolve(incident, resolution, now)


def suspension_incidents_check(now: datetime | None = None) -> tuple[int, int]:
    """Open an incident per suspension owed for longer than the setting, resolve those no
    longer owed. Returns (opened, resolved)."""
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.ALERT_SUSPENSION_OWED_MINUTES)
    owed = {
        f"service:{op.service_id}": op
        for op in suspensions_owed_operations()
        .filter(created_at__lte=since)
        .select_related("service", "server")
    }
    open_ = {
        incident.key: incident
        for incident in Incident.objects.filter(kind=Kind.SUSPENSION_OWED, resolved_at=None)
    }
    opened = resolved = 0
    for key, op in owed.items():
        if key in open_:
            continue
        minutes = int((now - op.created_at).total_seconds() // 60)
        opened += bool(
            incident_open(
                Kind.SUSPENSION_OWED,
                key,
                title=f"Suspension of {op.service.domain} owed for {minutes} minutes",
                detail=f"Billing says suspended, the panel says active. The suspension "
                f"(operation #{op.pk}) is {op.state}: {op.result or 'no answer yet'}",
                now=now,
                server=op.server,
                service=op.service,
                operation=op,
                command=op.command,
            )
        )
    for key, incident in open_.items():
        if key not in owed:
            resolved += incident_resolve(incident, "the suspension is no longer owed", now)
    return opened, resolved


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
    without drift. Servers that could not be compared keep what they had."""
    now = report.finished_at
    drifts = {d["server_id"]: d for d in report.report.get("servers", []) if not d.get("error")}
    servers = {s.whmcs_id: s for s in Server.objects.filter(whmcs_id__in=drifts)}
    for whmcs_id, drift in drifts.items():
        server = servers.get(whmcs_id)
        if server is None:
            continue
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
