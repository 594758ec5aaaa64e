"""A termination supersedes the service's operations still waiting before it.

Suspending, unsuspending or changing the password of an account that is about to be
terminated is pointless, and each would delay the termination (a retrying suspend can
wait for hours). They end `superseded`, with a result naming the termination: visible in
the journal and on the status URL, never dropped silently."""

from datetime import datetime

from .models import Operation

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
