"""Running an operation: one attempt at a time, claimed with a conditional UPDATE, its
outcome journaled, the retry or the failure decided here and nowhere else."""

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..handoffs import attempt_finished
from ..models import Attempt, Operation, PanelSlot, Server, Service
from ..panels.access import HOLD_RECHECK, server_hold_text, server_turn
from ..panels.commands import CommandResult, command_apply, command_execute, command_refused
from ..panels.imscp.errors import (
    PanelError,
    PanelLockedOut,
    PanelLoginRefused,
    PanelPermanentError,
    PanelTransientError,
)
from ..panels.slots import slot_release, slot_take
from ..panels.timings import panel_calls_held, panel_calls_write
from ..redaction import redact_text
from .attempt_reads import operation_for_attempt
from .queueing import operation_enqueue_on_commit
from .waits import operation_changed_notify

logger = logging.getLogger(__name__)

# Seconds past the task timeout before a RUNNING operation counts as abandoned (the guard
# needs a cycle or two to stop a timed-out worker).
OPERATION_STALE_MARGIN = 10

Command = Operation.Command
State = Operation.State


def attempt_stale_before(now: datetime) -> datetime:
    # No task lives longer than the cluster's timeout: a RUNNING row untouched for longer
    # was left by a worker that died (SIGKILL, host lost), maybe after it acted.
    return now - timedelta(seconds=settings.Q_CLUSTER["timeout"] + OPERATION_STALE_MARGIN)


def _claim(op: Operation, now: datetime) -> PanelSlot | None:
    """Take the operation for this worker and a slot of its server's calls, in one
    transaction; None when the server is full (whoever frees a slot brings the operation
    back) or another worker took the operation first."""
    with transaction.atomic():
        slot = slot_take(op.server, _slot_holder(op), now)
        if slot is None:
            Operation.objects.filter(pk=op.pk).update(awaits_slot=True)
            return None
        if _claim_row(op, now):
            return slot
        transaction.set_rollback(True)  # the slot goes back with the transaction
        return None


def _slot_holder(op: Operation) -> str:
    return f"operation #{op.pk}"


def _claim_row(op: Operation, now: datetime) -> bool:
    """The claim's conditional UPDATE; on success `op` holds what it wrote (the claim's
    own values: nothing to read back)."""
    rows = Operation.objects.filter(pk=op.pk, state=op.state, attempts=op.attempts)
    started_at = op.started_at or now
    claimed = rows.update(
        state=State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=started_at,
        awaits_slot=False,
        updated_at=now,
    )
    if claimed != 1:
        return False
    op.state, op.attempts = State.RUNNING, op.attempts + 1
    op.started_at, op.updated_at = started_at, now
    return True


def _attempt_told(op: Operation, state: str, text: str = "", error=None) -> None:
    """The end of an attempt, told to whom it concerns (monitoring: its incidents)."""
    attempt_finished.send(sender=Operation, operation=op, state=state, text=text, error=error)


def operation_run(operation_id: int, now: datetime | None = None) -> str | None:
    """Run one attempt of an operation if it is due and next in line; safe to call twice.

    Returns the state it left the operation in, or None when there was nothing to do."""
    now = now or timezone.now()
    op = operation_for_attempt(operation_id)
    if op is not None and op.state == State.RUNNING:
        # A task delivered again: the attempt is another worker's, unless that one is gone.
        return operation_worker_lost(op, now)
    if op is None or op.finished or op.waits:
        return None
    if op.next_attempt_at is not None and op.next_attempt_at > now:
        return None
    resume_at = server_turn(op.server, now, held_too=op.command != Command.TEST_CONNECTION)
    if resume_at is not None:
        _defer(op, resume_at)
        return None
    slot = _claim(op, now)
    if slot is None:
        return None
    try:
        with panel_calls_held():
            return _attempt(op, slot)
    finally:
        slot_release(slot)  # freed by the finishing transaction unless that failed


def _attempt(op: Operation, slot: PanelSlot) -> str:
    started = timezone.now()
    try:
        outcome = command_execute(op)
    except PanelLoginRefused as exc:
        if op.command == Command.TEST_CONNECTION:
            return _finish_failed(op, exc, started, slot)
        return _finish_transient(op, exc, started, slot)  # the server is held: it waits
    except PanelPermanentError as exc:
        return _finish_failed(op, exc, started, slot)
    except PanelTransientError as exc:
        return _finish_transient(op, exc, started, slot)
    except Exception:  # a bug must not leave the operation running for ever
        logger.exception("operation %s: unexpected error", op.pk)
        error = PanelTransientError("Internal error in the bridge (see its log)")
        return _finish_transient(op, error, started, slot)
    return _finish_succeeded(op, outcome, started, slot)


def _defer(op: Operation, resume_at: datetime) -> None:
    """The server is paused: wait for it without an attempt (the sweep brings it back)."""
    changes = {"next_attempt_at": resume_at}
    if not op.result:
        reason = server_hold_text(op.server) or op.server.pause_reason
        changes["result"] = f"Waiting for the panel: {reason}"
    with transaction.atomic():
        if op.server.login_refused and not _still_held(op.server_id):
            operation_enqueue_on_commit(op.pk)  # the hold ended since the server was read
            return
        # updated_at stays: the sweep sends a task again once the new time has come.
        Operation.objects.filter(pk=op.pk, state=op.state, attempts=op.attempts).update(**changes)


def _still_held(server_id: int) -> bool:
    """Whether the server's queue is held, read under its row's lock: the hold's end
    (`handoffs.server_released`) takes that lock too, so an operation deferred here is
    either seen and released by it, or not deferred."""
    refused = (
        Server.objects.select_for_update()
        .filter(pk=server_id)
        .values_list("login_refused", flat=True)
        .first()
    )
    return bool(refused)


def _secrets_of(op: Operation) -> list[str]:
    secrets = [op.secret, op.server.reseller_password]
    if op.service is not None:
        secrets.append(op.service.password)
    return [s for s in secrets if s]


def _attempt_record(op: Operation, started: datetime, outcome: str, answer: str) -> None:
    # Called only by the worker whose _transition left RUNNING for this attempt number,
    # in the same transaction: no other record of it can exist.
    Attempt.objects.create(
        operation=op,
        number=op.attempts,
        started_at=started,
        finished_at=timezone.now(),
        outcome=outcome,
        answer=answer,
    )


def _transition(op: Operation, stale_before: datetime | None = None, **changes) -> bool:
    """Leave RUNNING only if this worker still owns the attempt (with `stale_before`: if
    the attempt's worker is gone, its row untouched since then)."""
    changes.setdefault("updated_at", timezone.now())
    rows = Operation.objects.filter(pk=op.pk, state=State.RUNNING, attempts=op.attempts)
    if stale_before is not None:
        rows = rows.filter(updated_at__lt=stale_before)
    owned = rows.update(**changes) == 1
    if owned:
        operation_changed_notify(op.pk)  # a status request may be waiting for this
    return owned


def _enqueue_next_of_service(op: Operation) -> None:
    if op.service_id is None:
        return
    following = (
        Operation.objects.filter(service_id=op.service_id, state=State.QUEUED, id__gt=op.id)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if following is not None:
        operation_enqueue_on_commit(following)


@contextmanager
def _finishing(op: Operation, slot: PanelSlot | None = None) -> Iterator[int | None]:
    """The transaction that ends an attempt, its slot freed with it. Yields the service's
    server id (None for a server's own operation), the service locked until the commit.

    A request for the service holds the same lock while it journals the next operation.
    Whichever commits second sees the other's work: a finisher that commits after the
    request enqueues the next in line itself, since the request's own task may have found
    this operation still running and left. (SQLite runs one write transaction at a time.)"""
    with transaction.atomic():
        server_id = None
        if op.service_id is not None:
            server_id = (
                Service.objects.select_for_update()
                .filter(pk=op.service_id)
                .values_list("server_id", flat=True)
                .first()
            )
        yield server_id
        panel_calls_write()
        if slot is not None:
            slot_release(slot)


def _finish_succeeded(
    op: Operation, outcome: CommandResult, started: datetime, slot: PanelSlot
) -> str:
    now = timezone.now()
    with _finishing(op, slot):
        owned = _transition(
            op,
            state=State.SUCCEEDED,
            result=outcome.result,
            outcome_unknown=False,
            next_attempt_at=None,
            finished_at=now,
            usage=outcome.usage,
            secret="",
            request={**op.request, "note": outcome.note} if outcome.note else op.request,
        )
        if owned:
            command_apply(op, outcome)
            # As read before the attempt: one opened since is settled by the next success.
            if op.incidents_open:
                _attempt_told(op, State.SUCCEEDED)
            _attempt_record(op, started, Attempt.Outcome.SUCCEEDED, outcome.note or outcome.result)
            _enqueue_next_of_service(op)
    return State.SUCCEEDED


def _finish_failed(op: Operation, error: PanelError, started: datetime, slot: PanelSlot) -> str:
    text = redact_text(error.message, _secrets_of(op))
    now = timezone.now()
    with _finishing(op, slot):
        # The secret stays (encrypted) so that an admin can retry a failed password change.
        if _transition(op, state=State.FAILED, result=text, next_attempt_at=None, finished_at=now):
            if isinstance(error, PanelPermanentError):
                command_refused(op, error)
            outcome = (
                Attempt.Outcome.PERMANENT
                if isinstance(error, PanelPermanentError)
                else Attempt.Outcome.TRANSIENT
            )
            _attempt_record(op, started, outcome, text)
            _attempt_told(op, State.FAILED, text, error)
            _enqueue_next_of_service(op)
    return State.FAILED


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with ±20 % jitter, so retries of many operations spread out."""
    base = settings.OPERATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _left_behind(op: Operation, server_id: int | None) -> dict:
    """The changes that end an operation whose service moved to another server meanwhile
    (empty if it did not): the request for the new server is waiting for it."""
    if server_id is None or server_id == op.server_id:
        return {}
    return {
        "state": State.SUPERSEDED,
        "result": f"Superseded: the service moved to another server ({op.result})",
        "next_attempt_at": None,
        "finished_at": timezone.now(),
        "secret": "",
    }


def _finish_transient(op: Operation, error: PanelError, started: datetime, slot: PanelSlot) -> str:
    locked_out = isinstance(error, PanelLockedOut)
    held = isinstance(error, PanelLoginRefused)
    # A lock-out or a refused reseller login is the server's, not the operation's: it
    # waits for the time the panel names (the server's pause), or for the hold to end,
    # without using up its attempts.
    if op.attempts >= settings.OPERATION_MAX_ATTEMPTS and not (locked_out or held):
        return _finish_failed(op, error, started, slot)
    op.result = text = redact_text(error.message, _secrets_of(op))
    if locked_out:
        next_attempt_at = op.server.paused_until
    else:
        next_attempt_at = timezone.now() + retry_delay(op.attempts)
    with _finishing(op, slot) as server_id:
        if held:
            # Not held after all when the credentials changed since the call read them.
            held = _still_held(op.server_id)
            next_attempt_at = timezone.now() + (HOLD_RECHECK if held else timedelta(0))
        ended = _left_behind(op, server_id)
        changes = {
            "state": State.RETRYING,
            "result": text,
            "next_attempt_at": next_attempt_at,
            **ended,
        }
        unknown = getattr(error, "outcome_unknown", False)
        if _transition(op, outcome_unknown=op.outcome_unknown or unknown, **changes):
            outcome = Attempt.Outcome.UNKNOWN if unknown else Attempt.Outcome.TRANSIENT
            _attempt_record(op, started, outcome, text)
            _attempt_told(op, changes["state"], text, error)
            if ended:
                _enqueue_next_of_service(op)
            elif isinstance(error, PanelLoginRefused) and not held:
                operation_enqueue_on_commit(op.pk)  # the new credentials, at once
    return changes["state"]


def operation_worker_lost(op: Operation, now: datetime) -> str | None:
    """End an attempt whose worker never finished it (killed, crashed in the finishing
    step, or stopped at the task timeout), once it is stale: journaled as an attempt,
    counted against OPERATION_MAX_ATTEMPTS, retried after the backoff like a transient
    failure (reading the panel first: the attempt may have acted), failed at the limit.

    Returns the state it left the operation in, or None (not stale, or taken meanwhile)."""
    stale_before = attempt_stale_before(now)
    if op.updated_at >= stale_before:
        return None
    timeout = settings.Q_CLUSTER["timeout"]
    op.result = text = (
        f"Attempt {op.attempts}: the worker was lost before it finished (killed, crashed, "
        f"or stopped at the task timeout of {timeout} s); the panel may have acted"
    )
    if op.attempts >= settings.OPERATION_MAX_ATTEMPTS:
        changes = {
            "state": State.FAILED,
            "result": f"{text}. Given up after {op.attempts} attempts: check the panel "
            "before retrying.",
            "next_attempt_at": None,
            "finished_at": now,
        }
    else:
        changes = {"state": State.RETRYING, "next_attempt_at": now + retry_delay(op.attempts)}
    # Its lease goes with it: a dead worker's slot would keep a customer login waiting.
    lease = PanelSlot.objects.filter(server_id=op.server_id, holder=_slot_holder(op)).first()
    with _finishing(op, lease) as server_id:
        changes = {"result": text, **changes, **_left_behind(op, server_id)}
        if not _transition(op, stale_before, outcome_unknown=True, updated_at=now, **changes):
            return None
        # The attempt began when it was claimed (the claim's updated_at).
        _attempt_record(op, op.updated_at, Attempt.Outcome.WORKER_LOST, changes["result"])
        _attempt_told(op, changes["state"], changes["result"])
        if changes["state"] != State.RETRYING:
            _enqueue_next_of_service(op)
    return changes["state"]
