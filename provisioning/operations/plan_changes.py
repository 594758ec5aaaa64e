"""Plan changes owed: WHMCS upgraded or downgraded a service, the KaziWhmcs protocol has
no plan change, so the journal keeps it as owed until an admin changed the plan on the
panel by hand and marked it done."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from ..models import Operation, Server, Service
from .journal import journal_entry

Command = Operation.Command
State = Operation.State


def plan_change_text(plan_before: str, plan_wanted: str) -> str:
    """What WHMCS shows as the module's error: never a silent success."""
    return (
        f"KaziWhmcs bridge: the i-MSCP protocol cannot change a hosting plan. Change the plan "
        f"of this account on the panel by hand (from '{plan_before or 'unknown'}' to "
        f"'{plan_wanted or 'unknown'}'), then mark the plan change done in the bridge."
    )


def plan_change_record(
    server: Server,
    service: Service,
    *,
    plan_before: str,
    source: str,
    requested_by: str,
    now: datetime | None = None,
) -> tuple[Operation, bool]:
    """Journal the plan change as owed (a failed operation, no panel call); returns
    (operation, created). The same change still owed for the service is answered by its
    entry, so WHMCS asking again does not list it twice."""
    now = now or timezone.now()
    plan_wanted = service.product.plan_name
    owed = (
        plan_changes_owed()
        .filter(service=service, request__plan_wanted=plan_wanted)
        .order_by("-id")
        .first()
    )
    if owed is not None:
        return owed, False
    op = journal_entry(
        Command.CHANGE_PACKAGE,
        server=server,
        service=service,
        state=State.FAILED,
        result=plan_change_text(plan_before, plan_wanted),
        source=source,
        requested_by=requested_by,
        request={
            "server": server.host,
            "domain": service.domain,
            "serviceid": service.whmcs_id,
            "plan_before": plan_before,
            "plan_wanted": plan_wanted,
        },
        now=now,
    )
    return op, True


def plan_changes_owed() -> QuerySet:
    return Operation.objects.filter(command=Command.CHANGE_PACKAGE, state=State.FAILED)


def plan_change_mark_done(op: Operation, *, admin: str, now: datetime | None = None) -> bool:
    """An admin changed the plan on the panel: the entry leaves the owed list. False when it
    was not (or no longer) owed."""
    now = now or timezone.now()
    return (
        plan_changes_owed()
        .filter(pk=op.pk)
        .update(
            state=State.SUCCEEDED,
            result=f"done on the panel by hand (marked by {admin})",
            updated_at=now,
        )
        == 1
    )
