"""Operations that are not wanted any more end `superseded`, visibly.

A termination supersedes the service's operations still waiting before it: suspending,
unsuspending or changing the password of an account that is about to be terminated is
pointless, and each would delay the termination (a retrying suspend can wait for hours).
A request for another server supersedes those still waiting for the server the service
left. Each ends with a result naming what superseded it: visible in the journal and on
the status URL, never dropped silently."""

from datetime import datetime

from ..models import Operation

Command = Operation.Command
State = Operation.State

# What a termination makes pointless. A pending CreateAccount is kept: it may already have
# acted (outcome unknown), and the termination needs the account it creates.
SUPERSEDABLE = (Command.SUSPEND, Command.UNSUSPEND, Command.CHANGE_PASSWORD)


def operations_supersede(terminate: Operation, now: datetime) -> int:
    """End the service's waiting suspend/unsuspend/password operations, visibly.

    Only operations no worker holds (queued or waiting for a retry) are touched, each with a
    conditional UPDATE: one that a worker has just claimed runs to its end and the
    termination waits for it, as ordering requires."""
    waiting = Operation.objects.filter(
        service_id=terminate.service_id,
        id__lt=terminate.id,
        command__in=SUPERSEDABLE,
        state__in=(State.QUEUED, State.RETRYING),
    )
    count = 0
    for op in waiting:
        count += Operation.objects.filter(pk=op.pk, state=op.state, attempts=op.attempts).update(
            state=State.SUPERSEDED,
            result=f"Superseded by TerminateAccount #{terminate.pk}: not carried out",
            next_attempt_at=None,
            outcome_unknown=False,
            secret="",
            finished_at=now,
            updated_at=now,
        )
    return count


def moved_result(request: Operation) -> str:
    return (
        f"Superseded by {request.command} #{request.pk} for server "
        f"{request.server.whmcs_id}: the service moved to another server"
    )


def operations_supersede_moved(request: Operation, now: datetime) -> int:
    """End the service's waiting operations for a server other than `request`'s, visibly.

    WHMCS's admin moved the service (a service not yet on a panel may move): what was
    asked of the old server is not wanted any more, and the new request must not wait for
    a panel that may be down. An operation a worker holds runs to its end (the request
    waits for it; the worker then ends it superseded too, see worker._left_behind). Whether an
    attempt may have acted (outcome_unknown) is kept: the account it may have made is
    listed by provisioning.operations.debts.accounts_left_behind()."""
    return (
        Operation.objects.filter(
            service_id=request.service_id,
            id__lt=request.id,
            state__in=(State.QUEUED, State.RETRYING),
        )
        .exclude(server_id=request.server_id)
        .update(
            state=State.SUPERSEDED,
            result=moved_result(request),
            next_attempt_at=None,
            secret="",
            finished_at=now,
            updated_at=now,
        )
    )


def operations_superseded_by(request: Operation, now: datetime) -> int:
    """End, visibly, what a request just journaled makes pointless (see above)."""
    if request.service_id is None:
        return 0
    count = operations_supersede_moved(request, now)
    if request.command == Command.TERMINATE:
        count += operations_supersede(request, now)
    return count
