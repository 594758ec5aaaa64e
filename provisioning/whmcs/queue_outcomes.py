"""What WHMCS's Module Queue hook asks the bridge, many items at once: for each (service,
command) the latest operation of that command, whether a later command of the service has
been accepted since (then replaying it would undo what WHMCS wants now), the suspension's
reason as WHMCS gave it, and what the hook already told WHMCS about it (each once).

A handful of queries whatever the number of items; no panel call."""

from collections import defaultdict

from django.db.models import Max
from django.utils import timezone

from ..models import Operation, Service, WhmcsNotice

Command = Operation.Command
State = Operation.State

# A later command that replaces each one's intent: the status commands replace each other
# (a suspension after a payment's unsuspension is not wanted any more); a password change is
# pointless once the account is terminated.
STATUS_COMMANDS = (Command.CREATE, Command.SUSPEND, Command.UNSUSPEND, Command.TERMINATE)
SUPERSEDED_BY = {
    **{command: tuple(c for c in STATUS_COMMANDS if c != command) for command in STATUS_COMMANDS},
    Command.CHANGE_PASSWORD: (Command.TERMINATE,),
}
# A later command counts once accepted, unless it ended without effect.
_NO_EFFECT = (State.FAILED, State.SUPERSEDED)
# Most items one request may ask about (the hook sends fewer, in a body of 4 KiB at most).
MAX_ITEMS = 1000


class BadItems(ValueError):
    pass


def items_parse(data: object) -> list[tuple[int, str]]:
    """[(service id, command)] from {"items": {"<command>": [<service id>, ...]}}."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, dict):
        raise BadItems('items: required, an object {"<command>": [<service id>, ...]}')
    pairs: list[tuple[int, str]] = []
    for command, ids in items.items():
        if command not in SUPERSEDED_BY:
            raise BadItems(f"items: unknown command {command[:50]!r}")
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in ids
        ):
            raise BadItems(f"items.{command}: a list of service ids")
        pairs += [(i, command) for i in ids]
    if len(pairs) > MAX_ITEMS:
        raise BadItems(f"items: {MAX_ITEMS} at most per request")
    return pairs


def _latest_ids(service_ids, exclude_states=()) -> dict[int, dict[str, int]]:
    """{service pk: {command: id of its latest operation}}, one query."""
    rows = (
        Operation.objects.filter(service_id__in=service_ids, command__in=SUPERSEDED_BY)
        .exclude(state__in=exclude_states)
        .values("service_id", "command")
        .annotate(last=Max("id"))
    )
    latest: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        latest[row["service_id"]][row["command"]] = row["last"]
    return latest


def superseder(op: Operation, accepted: dict[str, int]) -> tuple[str, int] | None:
    """(command, id) of the latest later operation that replaced `op`'s intent, or None."""
    later = [(accepted.get(c, 0), c) for c in SUPERSEDED_BY[op.command]]
    last_id, command = max(later)
    return (command, last_id) if last_id > op.pk else None


def outcome_extras(op: Operation, accepted: dict[str, int], told: list[str]) -> dict:
    replaced = superseder(op, accepted)
    return {
        "serviceid": op.service.whmcs_id,
        "domain": op.service.domain,
        "userid": op.service.client.whmcs_id,
        "reason": (op.request or {}).get("reason"),
        "superseded_by": None
        if replaced is None
        else {"operation": str(replaced[1]), "command": replaced[0]},
        "told": sorted(told),
    }


def queue_outcomes(pairs: list[tuple[int, str]]) -> list[tuple[Operation, dict]]:
    """For each (service id, command) the bridge knows: its latest operation and the extras
    of outcome_extras(). Unknown pairs are left out."""
    services = dict(
        Service.objects.filter(whmcs_id__in={sid for sid, _ in pairs}).values_list("whmcs_id", "pk")
    )
    pks = set(services.values())
    latest = _latest_ids(pks)
    accepted = _latest_ids(pks, _NO_EFFECT)
    wanted = {
        latest[services[sid]][command]
        for sid, command in pairs
        if sid in services and command in latest[services[sid]]
    }
    ops = Operation.objects.select_related("service__client").in_bulk(wanted)
    told: dict[int, list[str]] = defaultdict(list)
    for op_id, kind in WhmcsNotice.objects.filter(operation_id__in=wanted).values_list(
        "operation_id", "kind"
    ):
        told[op_id].append(kind)
    answers = []
    for sid, command in pairs:
        op_id = latest.get(services.get(sid), {}).get(command)
        if op_id is not None and op_id in ops:
            op = ops[op_id]
            answers.append((op, outcome_extras(op, accepted[op.service_id], told[op_id])))
    return answers


def single_outcome_extras(op: Operation) -> dict:
    """outcome_extras() of one service operation (the single outcome endpoint)."""
    answers = dict(queue_outcomes([(op.service.whmcs_id, op.command)]))
    return answers.get(op, {})


def told_parse(data: object) -> dict[str, list[int]]:
    """{kind: [operation id, ...]} from {"told": {"<kind>": ["<operation>", ...]}}."""
    told = data.get("told") if isinstance(data, dict) else None
    if not isinstance(told, dict):
        raise BadItems('told: required, an object {"<kind>": ["<operation>", ...]}')
    out: dict[str, list[int]] = {}
    for kind, ids in told.items():
        if kind not in WhmcsNotice.Kind.values:
            raise BadItems(f"told: unknown kind {kind[:50]!r}")
        if not isinstance(ids, list) or not all(
            isinstance(i, str) and i.isascii() and i.isdigit() and len(i) < 19 for i in ids
        ):
            raise BadItems(f"told.{kind}: a list of operation ids (strings)")
        out[kind] = [int(i) for i in ids]
    if sum(len(ids) for ids in out.values()) > MAX_ITEMS:
        raise BadItems(f"told: {MAX_ITEMS} at most per request")
    return out


def told_record(told: dict[str, list[int]]) -> int:
    """Record what the hook told WHMCS (recording it again changes nothing); returns how
    many of the named operations exist."""
    now = timezone.now()
    named = {i for ids in told.values() for i in ids}
    known = set(Operation.objects.filter(pk__in=named).values_list("pk", flat=True))
    rows = [
        WhmcsNotice(operation_id=op_id, kind=kind, created_at=now)
        for kind, ids in told.items()
        for op_id in dict.fromkeys(ids)
        if op_id in known
    ]
    WhmcsNotice.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
