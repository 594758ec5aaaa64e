"""Reconciliation: the bridge's services against the panels' accounts.

Three kinds of drift per server: accounts on the panel the bridge does not know (panel
only), services the bridge believes on the panel that the panel does not list (bridge
only), and accounts whose state differs (state mismatch). The panel's account list
carries no status, so the state is read where the protocol allows it: a login as the
customer with the password the bridge holds tells a usable account from one the panel
sends back (suspended, or not ready: no proof of suspension). A list that lacks accounts
the bridge made is not trusted (see account_lists). `fix` queues the corrective operations
through `operation_request`, like any other order."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ..handoffs import reconcile_saved
from ..models import Operation, ReconcileReport, Server, Service
from ..panels.access import panel_access
from ..panels.account_lists import account_list
from ..panels.imscp import client as panel
from ..panels.imscp.errors import PanelError
from .accepting import operation_request

Status = Service.Status
Command = Operation.Command
Progress = Callable[[int, int], None]

ON_PANEL = (Status.ACTIVE, Status.SUSPENDED)
UNUSABLE = "not usable"
LOGIN_STATE = {panel.LoginResult.OK: "active", panel.LoginResult.UNUSABLE: UNUSABLE}


@dataclass
class ServerDrift:
    server_id: int
    name: str
    listed: int = 0
    panel_only: list[str] = field(default_factory=list)
    bridge_only: list[dict] = field(default_factory=list)
    mismatches: list[dict] = field(default_factory=list)
    degraded: str = ""  # why part of the comparison could not be made
    error: str = ""  # why the server could not be compared at all
    fixes: list[dict] = field(default_factory=list)
    not_fixed: list[dict] = field(default_factory=list)  # changed since the comparison
    compared: int = 0  # services looked at (a part of the server's, with `limit`)
    last_service_id: int = 0


def _service_row(service: Service, **extra) -> dict:
    return {"serviceid": service.whmcs_id, "domain": service.domain, **extra}


def _panel_state(server: Server, service: Service) -> str | None:
    """active / not usable from a customer login, None when the login was refused."""
    with panel_access(server) as target:
        result = panel.customer_login_check(target, service.domain_ascii, service.password)
    return LOGIN_STATE.get(result)


def server_compare(
    server: Server,
    progress: Progress | None = None,
    *,
    after: int = 0,
    limit: int | None = None,
    deadline: float | None = None,
) -> ServerDrift:
    """Compare the server's services (with `limit`: that many, of ids past `after`, fewer
    once `deadline` (time.monotonic()) has passed; the accounts only on the panel are
    reported by the first part alone). `last_service_id`: the last one compared."""
    drift = ServerDrift(server_id=server.whmcs_id, name=str(server))
    try:
        with panel_access(server) as target:
            found = account_list(server, target)
    except PanelError as exc:
        drift.error = f"the panel's account list could not be read: {exc.message}"
        return drift
    if not found.trusted and not found.missing:
        drift.degraded = drift.error = f"{found.why_not}: not compared"
        return drift
    listed = {ascii_name: entry.domain for ascii_name, entry in found.accounts.items()}
    drift.listed = len(listed)
    of_server = Service.objects.filter(server=server).order_by("id")
    services = list(of_server.filter(id__gt=after)[:limit] if limit else of_server)
    drift.last_service_id = after
    if found.trusted and after == 0:
        known = set(of_server.values_list("domain_ascii", flat=True))
        drift.panel_only = sorted(listed[d] for d in listed.keys() - known)
    else:
        # Its other names may be other resellers' customers: only the accounts it lacks
        # are reported, for an admin to look at on the panel; nothing is fixed from it.
        drift.degraded = f"{found.why_not}: check them on the panel"
    logins_usable, unread = True, []
    for done, service in enumerate(services, 1):
        if deadline is not None and done > 1 and time.monotonic() > deadline:
            break
        drift.compared, drift.last_service_id = done, service.id
        is_listed = service.domain_ascii in listed
        if service.status in ON_PANEL and service.on_panel and not is_listed:
            drift.bridge_only.append(_service_row(service, bridge=service.status))
        elif not found.trusted:
            pass
        elif is_listed and not service.on_panel and service.status != Status.TERMINATED:
            drift.mismatches.append(_service_row(service, bridge=service.status, panel="exists"))
        elif is_listed and service.status in ON_PANEL and not service.password:
            unread.append(service.domain)  # imported: the bridge holds no password
        elif is_listed and service.status in ON_PANEL and logins_usable:
            try:
                state = _panel_state(server, service)
            except PanelError as exc:
                state, drift.degraded = None, f"customer logins failed: {exc.message}"
                logins_usable = False
            if state is None and logins_usable:
                # Each refused login costs a count on the panel's brute-force protection
                # (cleared at once, but a cost): stop after the first one.
                logins_usable = False
                drift.degraded = (
                    f"the panel refused the login of '{service.domain}' (password changed on "
                    "the panel?): states of the remaining accounts not compared"
                )
            if state is not None and (state == "active") != (service.status == Status.ACTIVE):
                drift.mismatches.append(_service_row(service, bridge=service.status, panel=state))
        if progress:
            progress(done, len(services))
    if unread:
        shown = ", ".join(unread[:5]) + (" and more" if len(unread) > 5 else "")
        note = f"states not read for {len(unread)} account(s) without a password ({shown})"
        drift.degraded = f"{drift.degraded}; {note}" if drift.degraded else note
    return drift


def _request(command: str, service: Service) -> dict:
    op, created = operation_request(
        command,
        server=service.server,
        service=service,
        source=Operation.Source.SYSTEM,
        requested_by="reconcile --fix",
    )
    return {"serviceid": service.whmcs_id, "command": command, "operation": op.pk, "new": created}


def drift_fix(drift: ServerDrift) -> list[dict]:
    """Queue what brings the panel back to what billing says. Accounts only on the panel
    are reported, never deleted: the bridge cannot know what they hold. Accounts missing
    from the list are reported, never re-created: a list that lacks the bridge's accounts
    is also how a list that lies looks (see account_lists).

    The comparison took a while: each service is read again, locked, and fixed only if it
    is still as compared and no operation of its is pending (a termination that finished
    meanwhile must not bring the account back)."""
    fixes = []
    for row in drift.mismatches:
        if row["panel"] == "exists":
            continue  # a pending create adopts it; nothing else to decide for billing
        with transaction.atomic():
            service, skipped = _still_as_compared(drift, row)
            if skipped:
                drift.not_fixed.append(skipped)
                continue
            wanted = Command.SUSPEND if service.status == Status.SUSPENDED else Command.UNSUSPEND
            observed = Status.ACTIVE if row["panel"] == "active" else Status.SUSPENDED
            # Record the panel's truth first, or the request would be "already in effect".
            Service.objects.filter(pk=service.pk).update(status=observed)
            service.status = observed
            fixes.append(_request(wanted, service))
    return fixes


def _still_as_compared(drift: ServerDrift, row: dict) -> tuple[Service, dict | None]:
    """The row's service, locked for the caller's transaction, and why it is not fixed
    (None: fix it)."""
    service = (
        Service.objects.select_for_update()
        .select_related("server", "client", "product")
        .get(whmcs_id=row["serviceid"])
    )
    pending = service.operations.filter(state__in=Operation.UNFINISHED).exists()
    if pending or (service.status, service.on_panel, service.server.whmcs_id) != (
        row["bridge"],
        True,
        drift.server_id,
    ):
        why = "an operation is pending" if pending else "the service changed since compared"
        return service, _service_row(service, why=why)
    return service, None


def reconcile_run(
    *,
    server_id: int | None = None,
    fix: bool = False,
    requested_by: str = "",
    progress: Callable[[str, int, int], None] | None = None,
) -> ReconcileReport:
    """Compare every active server (or the one with WHMCS id `server_id`), optionally fix,
    and store the report (the dashboard shows the last one)."""
    started = timezone.now()
    servers = Server.objects.filter(active=True)
    if server_id is not None:
        servers = Server.objects.filter(whmcs_id=server_id)
        if not servers.exists():
            raise ValueError(f"no server with WHMCS id {server_id}")
    results = []
    for server in servers:
        step = (lambda done, total, s=server: progress(str(s), done, total)) if progress else None
        drift = server_compare(server, step)
        if fix and not drift.error:
            drift.fixes = drift_fix(drift)
        results.append(drift)
    servers = [drift_row(d) for d in results]
    report = {"servers": servers, "totals": report_totals(servers)}
    with transaction.atomic():
        saved = ReconcileReport.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            fixed=fix,
            requested_by=requested_by,
            report=report,
        )
        reconcile_saved.send(sender=ReconcileReport, report=saved)  # incidents
    return saved


def drift_row(drift: ServerDrift) -> dict:
    """A server's drift as the report holds it."""
    row = vars(drift).copy()
    del row["compared"], row["last_service_id"]
    return row


def report_totals(servers: list[dict]) -> dict:
    return {
        "servers": len(servers),
        "servers_not_compared": sum(bool(d["error"]) for d in servers),
        **{
            name: sum(len(d[name]) for d in servers)
            for name in ("panel_only", "bridge_only", "mismatches", "fixes", "not_fixed")
        },
    }


def reconcile_last_report() -> ReconcileReport | None:
    """The most recent reconciliation (scheduled or by hand), or None if none ran yet."""
    return ReconcileReport.objects.first()
