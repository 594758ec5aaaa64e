"""The rules: accept a command as an Operation, run it once, decide retry or failure.

Webhooks, admin actions and schedules all go through `operation_request`, and every
task through `operation_run`, so they share one journal and one set of decisions."""

import logging
import os
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .imscp.errors import PanelError, PanelLockedOut, PanelPermanentError, PanelTransientError
from .incidents import operation_incidents_update
from .lean_rows import row_insert
from .models import Attempt, Operation, Server, Service
from .operation_waits import operation_changed_notify
from .panel_access import server_turn
from .panel_commands import CommandResult, command_apply, command_execute, command_refused
from .redaction import MASK, redact_text
from .superseding import operations_supersede

logger = logging.getLogger(__name__)

# Seconds past the task timeout before a RUNNING operation counts as abandoned (the guard
# needs a cycle or two to stop a timed-out worker).
OPERATION_STALE_MARGIN = 10
# A QUEUED or due RETRYING operation enqueued this long ago and still not taken: its task
# was lost (a broker that does not redeliver, a crash between commit and enqueue).
REQUEUE_AFTER = timedelta(minutes=2)

Command = Operation.Command
State = Operation.State
Status = Service.Status

# The state each command leaves the account in.
EFFECT = {
    Command.CREATE: Status.ACTIVE,
    Command.SUSPEND: Status.SUSPENDED,
    Command.UNSUSPEND: Status.ACTIVE,
    Command.TERMINATE: Status.TERMINATED,
}


def operation_enqueue(operation_id: int) -> None:
    from django_q.tasks import async_task

    async_task(
        "provisioning.tasks.operation_run",
        operation_id,
        task_name=f"operation-{operation_id}",
        group="operations",
        broker=_broker(),
    )


_brokers: dict[int, object] = {}


def _broker():
    """This process's broker. django-q2 builds a new one for every task otherwise, and a
    new Redis broker is a new connection pool: one TCP connection per task. Keyed by
    process id, so that a forked worker builds its own instead of sharing sockets."""
    from django_q.brokers import get_broker

    broker = _brokers.get(os.getpid())
    if broker is None:
        _brokers.clear()
        broker = _brokers[os.getpid()] = get_broker()
    return broker


def _enqueue_with_transaction(operation_id: int) -> None:
    """Queue the operation's task so that it exists exactly when the transaction commits.

    With the ORM broker on the bridge's own database, the task row is written in the
    transaction itself: queued and journaled commit (or roll back) together, and SQLite
    takes its single write lock once instead of twice. A broker outside the database
    (Redis) is written after the commit, so that no worker can pick the task up before
    the operation is visible; a task lost between the two is re-sent by the sweep."""
    if _broker_in_database():
        operation_enqueue(operation_id)
    else:
        transaction.on_commit(lambda: operation_enqueue(operation_id))


def _broker_in_database() -> bool:
    from django_q.conf import Conf

    # Synchronous mode runs the task at enqueue time: only after the commit.
    return Conf.ORM == DEFAULT_DB_ALIAS and not Conf.SYNC


def _request_summary(
    command: str, server: Server, service: Service | None, reason: str = ""
) -> dict:
    summary = {"server": server.host, "reseller": server.reseller_username}
    if reason:
        summary["reason"] = reason
    if service is not None:
        summary.update(
            domain=service.domain, login=service.domain_ascii, serviceid=service.whmcs_id
        )
        if command == Command.CREATE:
            summary.update(plan=service.product.plan_name, email=service.client.email)
        if command in (Command.CREATE, Command.CHANGE_PASSWORD):
            summary["password"] = MASK
    return summary


def operation_request(
    command: str,
    *,
    server: Server,
    service: Service | None = None,
    secret: str = "",
    source: str,
    requested_by: str = "",
    now: datetime | None = None,
    service_locked: bool = False,
    service_created: bool = False,
    reason: str = "",
) -> tuple[Operation, bool]:
    """Queue `command`, or return the operation already doing or having done it.

    Returns (operation, created). A command of the same kind still in flight for the same
    service (or server) is joined; one whose effect is already in place (or will be, once
    the pending operations ran) is answered by the operation that carries it.

    `service_locked`: the caller's transaction already holds the service row (selected
    for update, or inserted) and `service` is current, so it is not read again.
    `service_created`: the caller inserted the service in its transaction (it has no
    operations yet). `reason`: why, as WHMCS gave it (a suspension's reason), journaled."""
    now = now or timezone.now()
    # No savepoint inside a caller's transaction: nothing here fails in part, and an
    # error fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        if service is not None:
            if not service_locked:
                # Serializes concurrent requests for one service (PostgreSQL; SQLite is
                # serial).
                service = (
                    Service.objects.select_for_update()
                    .select_related("client", "product")
                    .get(pk=service.pk)
                )
            existing = (
                None
                if service_created
                else _existing_for_service(command, service, secret, now, source, requested_by)
            )
        else:
            existing = (
                Operation.objects.filter(
                    server=server, service=None, command=command, state__in=Operation.UNFINISHED
                )
                .order_by("-id")
                .first()
            )
        if existing is not None:
            return existing, False
        op = row_insert(
            Operation(
                command=command,
                server=server,
                service=service,
                secret=secret,
                source=source,
                requested_by=requested_by,
                request=_request_summary(command, server, service, reason),
                created_at=now,
                updated_at=now,
            )
        )
        if command == Command.TERMINATE and service is not None:
            operations_supersede(op, now)
        _enqueue_with_transaction(op.pk)
        return op, True


def _existing_for_service(command, service, secret, now, source, requested_by):
    unfinished = list(service.operations.filter(state__in=Operation.UNFINISHED).order_by("id"))
    if command == Command.CHANGE_PASSWORD:
        pending = [op for op in unfinished if op.command == command]
        if pending:
            return pending[-1] if pending[-1].secret == secret else None
        if service.on_panel and service.password == secret and not unfinished:
            return service.operations.filter(
                command__in=(Command.CHANGE_PASSWORD, Command.CREATE), state=State.SUCCEEDED
            ).order_by("-id").first() or _record_in_effect(
                command, service, now, source, requested_by
            )
        return None
    pending = [op for op in unfinished if op.command in EFFECT]
    if pending:
        last = pending[-1]
        if last.command == command:
            return last
        in_effect = EFFECT[last.command] == EFFECT[command] and (
            command != Command.CREATE or any(op.command == Command.CREATE for op in pending)
        )
        return last if in_effect else None
    in_effect = service.status == EFFECT[command] or (
        command == Command.CREATE and service.status == Status.SUSPENDED
    )
    if command != Command.TERMINATE:
        in_effect = in_effect and service.on_panel
    if not in_effect:
        return None
    commands = [c for c, status in EFFECT.items() if status == service.status]
    done = (
        service.operations.filter(command__in=commands, state=State.SUCCEEDED)
        .order_by("-id")
        .first()
    )
    return done or _record_in_effect(command, service, now, source, requested_by)


def _record_in_effect(command, service, now, source, requested_by) -> Operation:
    """A journal entry for a command whose effect was already in place (no panel call)."""
    return Operation.objects.create(
        command=command,
        server=service.server,
        service=service,
        state=State.SUCCEEDED,
        result="success",
        source=source,
        requested_by=requested_by,
        request={**_request_summary(command, service.server, service), "note": "already in effect"},
        created_at=now,
        updated_at=now,
        finished_at=now,
    )


def operation_retry(op: Operation, *, source: str, requested_by: str) -> tuple[Operation, bool]:
    """Ask again for what a failed operation wanted: a new journal entry, same rules."""
    if op.state != State.FAILED:
        raise ValueError(f"operation {op.pk} is {op.state}: only failed operations are retried")
    return operation_request(
        op.command,
        server=op.server,
        service=op.service,
        secret=op.secret,
        source=source,
        requested_by=f"{requested_by} (retry of #{op.pk})",
    )


def _stale_before(now: datetime) -> datetime:
    # No task lives longer than the cluster's timeout: a RUNNING row untouched for longer
    # was left by a worker that died (SIGKILL, host lost), maybe after it acted.
    return now - timedelta(seconds=settings.Q_CLUSTER["timeout"] + OPERATION_STALE_MARGIN)


def _claim(op: Operation, now: datetime) -> bool:
    """Take the operation for this worker with one conditional UPDATE; on success `op`
    holds what the UPDATE wrote (the claim's own values: nothing to read back)."""
    rows = Operation.objects.filter(pk=op.pk, state=op.state, attempts=op.attempts)
    if op.state == State.RUNNING:
        # Untouched for longer than a task may live: its worker died, maybe after acting.
        rows = rows.filter(updated_at__lt=_stale_before(now))
    elif op.next_attempt_at is not None and op.next_attempt_at > now:
        return False
    outcome_unknown = op.outcome_unknown or op.state == State.RUNNING
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
            # Per-service order: an earlier unfinished operation of the service runs first
            # (read with the operation, in one statement).
            waits=Exists(
                Operation.objects.filter(
                    service_id=OuterRef("service_id"),
                    state__in=Operation.UNFINISHED,
                    id__lt=OuterRef("id"),
                )
            )
        )
        .filter(pk=operation_id)
        .first()
    )
    if op is None or op.finished or op.waits:
        return None
    resume_at = server_turn(op.server, now)
    if resume_at is not None:
        _defer(op, resume_at)
        return None
    if not _claim(op, now):
        return None
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
        _enqueue_with_transaction(following)


def _finish_succeeded(op: Operation, outcome: CommandResult, started: datetime) -> str:
    now = timezone.now()
    with transaction.atomic():
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


def _finish_transient(op: Operation, error: PanelTransientError, started: datetime) -> str:
    locked_out = isinstance(error, PanelLockedOut)
    # A lock-out is the server's, not the operation's: it waits for the time the panel
    # names (the server's pause) without using up its attempts.
    if op.attempts >= settings.OPERATION_MAX_ATTEMPTS and not locked_out:
        return _finish_failed(op, error, started)
    text = redact_text(error.message, _secrets_of(op))
    if locked_out:
        next_attempt_at = Server.objects.values_list("paused_until", flat=True).get(pk=op.server_id)
    else:
        next_attempt_at = timezone.now() + retry_delay(op.attempts)
    with transaction.atomic():
        if _transition(
            op,
            state=State.RETRYING,
            result=text,
            outcome_unknown=op.outcome_unknown or error.outcome_unknown,
            next_attempt_at=next_attempt_at,
        ):
            outcome = (
                Attempt.Outcome.UNKNOWN if error.outcome_unknown else Attempt.Outcome.TRANSIENT
            )
            _attempt_record(op, started, outcome, text)
            operation_incidents_update(op, State.RETRYING, text)
    return State.RETRYING


def operations_sweep(now: datetime | None = None, requeue_after: timedelta = REQUEUE_AFTER) -> int:
    """Enqueue what is due: retries whose time came, and operations left behind
    (a lost enqueue, a killed worker). Returns how many were enqueued.

    Each due row is touched (updated_at) when enqueued so that a sweep every minute does
    not pile up copies of one task while the workers are busy; a copy that is lost
    anyway (a broker without redelivery, a killed cluster's prefetched tasks) is sent again
    after `requeue_after`. Operations waiting behind an earlier one of
    their service are left alone: the finisher of that one enqueues them."""
    now = now or timezone.now()
    lost = now - requeue_after
    earlier_unfinished = Operation.objects.filter(
        service_id=OuterRef("service_id"), state__in=Operation.UNFINISHED, id__lt=OuterRef("id")
    )
    due = (
        Operation.objects.filter(
            Q(state__in=(State.QUEUED, State.RETRYING), next_attempt_at__lte=now)
            & (Q(updated_at__lt=F("next_attempt_at")) | Q(updated_at__lt=lost))
            | Q(state=State.QUEUED, next_attempt_at=None, updated_at__lt=lost)
            | Q(state=State.RUNNING, updated_at__lt=_stale_before(now))
        )
        .exclude(Exists(earlier_unfinished))
        .exclude(server__paused_until__gt=now)
        .order_by("id")
        .values_list("id", "state")
    )
    rows = list(due[:SWEEP_BATCH])
    for operation_id, state in rows:
        if state != State.RUNNING:
            # The claim of a RUNNING row needs its old updated_at: leave it as it is.
            Operation.objects.filter(pk=operation_id, state=state).update(updated_at=now)
        operation_enqueue(operation_id)
    return len(rows)


SWEEP_BATCH = 1000
