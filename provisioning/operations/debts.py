"""What the bridge still owes: suspensions not carried out, accounts left on a server
a service left.

Plain functions over the journal, so the dashboard, the admin and scripts agree."""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q

from ..models import Operation, Service

Command = Operation.Command
State = Operation.State


@dataclass(frozen=True)
class OwedSuspension:
    """Billing says suspended, the panel (as far as the bridge knows) says active."""

    service: Service
    operation: Operation  # the latest SuspendAccount: queued, running, retrying or failed


def suspensions_owed_operations():
    """The latest SuspendAccount of each service whose billing says suspended (or
    terminated) while the account is active on the panel: a suspension that has not
    succeeded (still being tried, or failed), followed by no status command but
    terminations that have not succeeded (one may have superseded it, or failed).

    A service stays listed until the suspension or a termination succeeds, or an admin
    acts: a retried suspension or an unsuspend (whatever its outcome) replaces it as the
    last status command. Superseded operations are not billing's last word."""
    later_suspend = Operation.objects.filter(
        service=OuterRef("service_id"), command=Command.SUSPEND, id__gt=OuterRef("id")
    )
    # A later status command that settles the debt or changes billing's word.
    settled = (
        Operation.objects.filter(
            service=OuterRef("service_id"),
            command__in=list(Operation.STATUS_AFTER),
            id__gt=OuterRef("id"),
        )
        .exclude(state=State.SUPERSEDED)
        .filter(~Q(command=Command.TERMINATE) | Q(state=State.SUCCEEDED))
    )
    return (
        Operation.objects.filter(
            command=Command.SUSPEND,
            service__status=Service.Status.ACTIVE,
            service__on_panel=True,
        )
        .exclude(state=State.SUCCEEDED)
        .exclude(Exists(later_suspend))
        .exclude(Exists(settled))
    )


def suspensions_owed() -> list[OwedSuspension]:
    owed = suspensions_owed_operations().select_related("service__server", "service__client")
    return [OwedSuspension(service=op.service, operation=op) for op in owed.order_by("id")]


@dataclass(frozen=True)
class LeftAccount:
    """An account the bridge made (or may have made) on a server its service has left."""

    service: Service
    operation: Operation  # the CreateAccount on the left server
    certain: bool  # False: the create's outcome is unknown (it was superseded mid-way)


def accounts_left_behind_operations():
    """CreateAccount operations on a server other than their service's current one that
    made the account (succeeded) or may have (superseded after an unknown outcome), and
    that no later termination on that server undid. WHMCS's admin moved the service;
    the bridge never deletes an account on its own, so an admin cleans these up."""
    undone = Operation.objects.filter(
        service=OuterRef("service_id"),
        server=OuterRef("server_id"),
        command=Command.TERMINATE,
        state=State.SUCCEEDED,
        id__gt=OuterRef("id"),
    )
    return (
        Operation.objects.filter(command=Command.CREATE, service__isnull=False)
        .filter(Q(state=State.SUCCEEDED) | Q(state=State.SUPERSEDED, outcome_unknown=True))
        .exclude(server=F("service__server"))
        .exclude(Exists(undone))
    )


def accounts_left_behind() -> list[LeftAccount]:
    left = accounts_left_behind_operations().select_related("service", "server")
    return [
        LeftAccount(service=op.service, operation=op, certain=op.state == State.SUCCEEDED)
        for op in left.order_by("id")
    ]
