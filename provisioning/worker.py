"""Running an operation: one attempt at a time, claimed with a conditional UPDATE, its
outcome journaled, the retry or the failure decided here and nowhere else."""

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .imscp.errors import PanelError, PanelLockedOut, PanelPermanentError, PanelTransientError
from .incidents import operation_incidents_update
from .models import Attempt, Operation, Service
from .operation_queue import operation_enqueue, operation_enqueue_on_commit
from .operation_waits import operation_changed_notify
from .panel_access import server_turn
from .panel_commands import CommandResult, command_apply, command_execute, command_refused
from .panel_slots import slot_release, slot_take
from .redaction import redact_text

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


def earlier_unfinished() -> Exists:
    """An unfinished operation of the same service accepted before: this one waits for it
    (a service's operations run in the order they were accepted)."""
    return Exists(
        Operation.objects.filter(
            service_id=OuterRef("service_id"),
            state__in=Operation.UNFINISHED,
            id__lt=OuterRef("id"),
        )
    )


def _claim(op: Operation, now: datetime) -> bool:
    """Take the operation for this worker with one conditional UPDATE; on success `op`
    holds what the UPDATE wrote (the claim's own values: nothing to read back)."""
    rows = Operation.objects.filter(pk=op.pk, state=op.state, attempts=op.attempts)
    if op.next_attempt_at is not None and op.next_attempt_at > now:
        return False
    outcome_unknown = op.outcome_unknown
    started_at = op.started_at or now
    claimed = rows.update(
        state=State.RUNNING,
        attempts=F("attempts") + 1,
        outcome_unknown=outcome_unknown,
        started_at=started_at,
        updated_at=now,
    )
    if claimed != 1:
        return False
    op.state, op.attempts, op.outcome_unknown = State.RUNNING, op.attempts + 1, outcome_unknown
    op.started_at, op.updated_at = started_at, now
    return True


def operation_run(operation_id: int, now: datetime | None = None) -> str | None:
    """Run one attempt of an operation if it is due and next in line; safe to call twice.

    Returns the state it left the operation in, or None when there was nothing to do."""
    now = now or timezone.now()
    op = (
        Operation.objects.select_related("server", "service__client", "service__product")
        .annotate(
            # Read with the operation, in one statement.
            waits=earlier_unfinished()
        )
        .filter(pk=operation_id)
        .first()
    )
    if op is not None and op.state == State.RUNNING:
        # A task delivered again: the attempt is another worker's, unless that one is gone.
        return operation_worker_lost(op, now)
    if op is None or op.finished or op.waits:
        return None
    resume_at = server_turn(op.server, now)
    if resume_at is not None:
        _defer(op, resume_at)
        return None
    slot = slot_take(op.server, f"operation #{op.pk}", now)
    if slot is None:
        return None  # the panel has its fill of calls: the next slot freed brings it back
    try:
        if not _claim(op, now):
            return None
        return _attempt(op)
    finally:
        slot_release(slot)
        _server_queue_resume(op.server_id, op.pk)


def _attempt(op: Operation) -> str:
    started = timezone.now()
    try:
        outcome = command_execute(op)
    except PanelPermanentError as exc:
        return _finish_failed(op, exc, started)
    except PanelTransientError as exc:
        return _finish_transient(op, exc, started)
    except Exception:  # a bug must not leave the operation running for ever
        logger.exception("operation %s: unexpected error", op.pk)
        return _finish_transient(
            op, PanelTransientError("Internal error in the bridge (see its log)"), started
        )
    return _finish_succeeded(op, outcome, started)


def _server_queue_resume(server_id: int, done_id: int) -> None:
    """Hand a freed slot on: queue the server's oldest operation that is due and next in
    its service's line (maybe one a full server sent away)."""
    now = timezone.now()
    waiting = (
        Operation.objects.filter(server_id=server_id, state__in=(State.QUEUED, State.RETRYING))
        .filter(Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))
        .exclude(pk=done_id)
        .exclude(earlier_unfinished())
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if waiting is not None:
        operation_enqueue(waiting)


def _defer(op: Operation, resume_at: datetime) -> None:
    """The server is paused: wait for it without an attempt (the sweep brings it back)."""
    changes = {"next_attempt_at": resume_at}
    if not op.result:
        changes["result"] = f"Waiting for the panel: {op.server.pause_reason}"
    # updated_at stays: the sweep sends a task again once the new time has come.
    Operation.objects.filter(pk=op.pk, state=op.state, attempts=op.attempts).exclude(
        state=State.RUNNING
    ).update(**changes)


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


def _transition(op: Operation, **changes) -> bool:
    """Leave RUNNING only if this worker still owns the attempt."""
    changes.setdefault("updated_at", timezone.now())
    owned = (
        Operation.objects.filter(pk=op.pk, state=State.RUNNING, attempts=op.attempts).update(
            **changes
        )
        == 1
    )
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


def _service_server_locked(op: Operation) -> int | None:
    """Lock the operation's service for the rest of the finishing transaction; returns the
    service's server id (None for a server's own operation).

    A request for the service holds the same lock while it journals the next operation.
    Whichever commits second sees the other's work: a finisher that commits after the
    request enqueues the next in line itself, since the request's own task may have found
    this operation still running and left. (SQLite runs one write transaction at a time.)"""
    if op.service_id is None:
        return None
    return (
        Service.objects.select_for_update()
        .filter(pk=op.service_id)
        .values_list("server_id", flat=True)
        .first()
    )


def _finish_succeeded(op: Operation, outcome: CommandResult, started: datetime) -> str:
    now = timezone.now()
    with transaction.atomic():
        _service_server_locked(op)
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
            operation_incidents_update(op, State.SUCCEEDED)
            _attempt_record(op, started, Attempt.Outcome.SUCCEEDED, outcome.note or outcome.result)
            _enqueue_next_of_service(op)
    return State.SUCCEEDED


def _finish_failed(op: Operation, error: PanelError, started: datetime) -> str:
    text = redact_text(error.message, _secrets_of(op))
    now = timezone.now()
    with transaction.atomic():
        _service_server_locked(op)
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
            operation_incidents_update(op, State.FAILED, text)
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


def _finish_transient(op: Operation, error: PanelTransientError, started: datetime) -> str:
    locked_out = isinstance(error, PanelLockedOut)
    # A lock-out is the server's, not the operation's: it waits for the time the panel
    # names (the server's pause) without using up its attempts.
    if op.attempts >= settings.OPERATION_MAX_ATTEMPTS and not locked_out:
        return _finish_failed(op, error, started)
    op.result = text = redact_text(error.message, _secrets_of(op))
    if locked_out:
        next_attempt_at = op.server.paused_until
    else:
        next_attempt_at = timezone.now() + retry_delay(op.attempts)
    with transaction.atomic():
        ended = _left_behind(op, _service_server_locked(op))
        changes = {
            "state": State.RETRYING,
            "result": text,
            "next_attempt_at": next_attempt_at,
            **ended,
        }
        if _transition(op, outcome_unknown=op.outcome_unknown or error.outcome_unknown, **changes):
            outcome = (
                Attempt.Outcome.UNKNOWN if error.outcome_unknown else Attempt.Outcome.TRANSIENT
            )
            _attempt_record(op, started, outcome, text)
            operation_incidents_update(op, changes["state"], text)
            if ended:
                _enqueue_next_of_service(op)
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
    with transaction.atomic():
        changes = {"result": text, **changes, **_left_behind(op, _service_server_locked(op))}
        taken = Operation.objects.filter(
            pk=op.pk, state=State.RUNNING, attempts=op.attempts, updated_at__lt=stale_before
        ).update(outcome_unknown=True, updated_at=now, **changes)
        if taken != 1:
            return None
        # The attempt began when it was claimed (the claim's updated_at).
        _attempt_record(op, op.updated_at, Attempt.Outcome.WORKER_LOST, changes["result"])
        if changes["state"] != State.RETRYING:
            _enqueue_next_of_service(op)
    return changes["state"]
