"""What the admin dashboard shows about reliability: debts the bridge still owes.

Plain functions over the journal, so the dashboard, the admin and scripts agree."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from .models import Operation, ReconcileReport, Service

Command = Operation.Command
State = Operation.State

# Commands that set the account's status; the last of them is what billing wants.
STATUS_COMMANDS = (Command.CREATE, Command.SUSPEND, Command.UNSUSPEND, Command.TERMINATE)


@dataclass(frozen=True)
class OwedSuspension:
    """Billing says suspended, the panel (as far as the bridge knows) says active."""

    service: Service
    operation: Operation  # the latest SuspendAccount: queued, running, retrying or failed


def suspensions_owed_operations():
    """The latest SuspendAccount of each service whose billing says suspended while the
    account is active on the panel: its last status command is a suspension that has not
    succeeded (still being tried, or failed).

    A service stays listed until the suspension succeeds or an admin acts: a retried
    suspension, an unsuspend or a termination (whatever its outcome) replaces it as the
    last status command. Superseded operations are not billing's last word."""
    last_status_op = (
        Operation.objects.filter(service=OuterRef("service_id"), command__in=STATUS_COMMANDS)
        .exclude(state=State.SUPERSEDED)
        .order_by("-id")
        .values("id")[:1]
    )
    return Operation.objects.filter(
        command=Command.SUSPEND,
        service__status=Service.Status.ACTIVE,
        service__on_panel=True,
        id=Subquery(last_status_op),
    ).exclude(state=State.SUCCEEDED)


def suspensions_owed() -> list[OwedSuspension]:
    owed = suspensions_owed_operations().select_related("service__server", "service__client")
    return [OwedSuspension(service=op.service, operation=op) for op in owed.order_by("id")]


def reconcile_last_report() -> ReconcileReport | None:
    """The most recent reconciliation (scheduled or by hand), or None if none ran yet."""
    return ReconcileReport.objects.first()
