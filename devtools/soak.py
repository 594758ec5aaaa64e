"""The soak: many services, every command, duplicate deliveries, random panel faults, a
cluster killed mid-run, a worker killed while it holds an operation, services moved away
from a server that is down; then a count of what went wrong. `manage.py soak` runs it on a
throwaway database; the test suite runs a small one.

The workers run with short panel timeouts and a short backoff (see WORKER_ENV) so a run
takes minutes, and the driver runs the sweep every second instead of every minute."""

import json
import random
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone
from django_q.models import Schedule

from provisioning.models import Attempt, Operation, Service
from provisioning.operations.debts import accounts_left_behind
from provisioning.operations.sweep import operations_sweep
from provisioning.signing import signed_headers

from .emulator import Emulator
from .qcluster_process import QclusterProcess

RESELLER, RESELLER_PASSWORD = "soak-reseller", "soak-reseller-pass"
COMMANDS = ("CreateAccount", "SuspendAccount", "UnsuspendAccount", "TerminateAccount")
# One service in MOVED_EVERY is first created on a server that is down (nothing listens on
# DOWN_HOST), then WHMCS's admin moves it to the soak's panel and creates it again.
MOVED_EVERY = 10
DOWN_SERVER, DOWN_HOST = 2, "127.0.0.1:1"
MOVED = "CreateAccount on the server that is down"
PANEL_STATUS = {"ok": "active", "disabled": "suspended", "todelete": "terminated", None: "pending"}
READ_TIMEOUT = 1.0
# Panel delays longer than the read timeout but shorter than the first retry: the panel
# has finished a held request before the bridge asks again (as a real panel's PHP time
# limit ensures with the default 60 s backoff).
WORKER_ENV = {
    "PANEL_READ_TIMEOUT": str(READ_TIMEOUT),
    "OPERATION_RETRY_BASE_SECONDS": "2",
    "Q_TIMEOUT": "10",
    "Q_RETRY": "20",
    "Q_POLL": "0.05",
    "Q_GUARD_CYCLE": "0.2",
}
FAULTS = (
    ("http500", {}),
    ("garbage", {"status": 502}),
    ("drop", {}),
    ("delay", {"seconds": READ_TIMEOUT + 0.3}),
    ("act_then_timeout", {"seconds": READ_TIMEOUT + 0.3}),
    ("act_then_timeout", {"drop": True}),
)


@dataclass
class SoakResult:
    accepted: int = 0
    replayed: int = 0
    succeeded: int = 0
    failed: int = 0
    superseded: int = 0
    retried: int = 0
    moved: int = 0  # services created on the server that is down, then moved
    workers_lost: int = 0  # attempts journaled as lost (their worker was killed)
    repeated: int = 0  # idempotent actions sent again after an unknown outcome
    duplicates: int = 0
    mismatches: int = 0
    unfinished: int = 0
    faults: int = 0
    seconds: float = 0.0
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.duplicates == self.mismatches == self.unfinished == 0


def _cluster(workers: int, log: Path) -> QclusterProcess:
    return QclusterProcess(log, **WORKER_ENV, Q_WORKERS=str(workers))


def _fault_arming(emulator: Emulator, rate: float, rng: random.Random, stop: threading.Event):
    """Keep the share of faulted panel requests near `rate` (one-shot faults)."""
    state, armed = emulator.state, 0
    while not stop.is_set():
        while armed < rate * (len(state.request_log) + 10):
            kind, options = rng.choice(FAULTS)
            state.add_fault(kind, count=1, **options)
            armed += 1
        stop.wait(0.02)
    state.clear_faults()
    return armed


def _body(n: int, command: str, emulator: Emulator) -> dict:
    server, host = (DOWN_SERVER, DOWN_HOST) if command == MOVED else (1, emulator.host_port)
    command = "CreateAccount" if command == MOVED else command
    return {
        "event_id": f"soak-{n}-{command}-{server}-{time.time_ns()}",
        "command": command,
        "params": {
            "serviceid": 1_000_000 + n,
            "userid": 1_000_000 + n,
            "pid": 1,
            "serverid": server,
            "domain": f"soak{n}.example.com",
            "username": f"soak{n}",
            "password": f"Soak-pass-{n:05d}",
            "configoption1": "Basic",
            "serverhostname": host,
            "serversecure": "",
            "serverusername": RESELLER,
            "serverpassword": RESELLER_PASSWORD,
            "clientsdetails": {
                "userid": 1_000_000 + n,
                "firstname": "Soak",
                "lastname": f"Client {n}",
                "email": f"soak{n}@example.com",
            },
        },
    }


def _send(client: Client, body: dict) -> int:
    raw = json.dumps(body).encode()
    headers = signed_headers("POST", "/webhooks/whmcs/", raw)
    response = client.post(
        "/webhooks/whmcs/", data=raw, content_type="application/json", headers=headers
    )
    if response.status_code not in (200, 202):
        raise RuntimeError(f"webhook answered {response.status_code}: {response.content[:300]}")
    return response.status_code


def soak_run(
    *,
    services: int,
    workers: int,
    fault_rate: float,
    log_dir: Path,
    seed: int = 1,
    timeout: float = 600,
    out=sys.stdout,
) -> SoakResult:
    """Run the soak against the current (empty, migrated) database."""
    rng, result, started = random.Random(seed), SoakResult(), time.monotonic()
    emulator = Emulator().start("127.0.0.1", 0)
    emulator.state.seed_reseller(RESELLER, RESELLER_PASSWORD)
    emulator.state.seed_plan(RESELLER, "Basic")
    stop = threading.Event()
    armed: list[int] = []
    arming = threading.Thread(
        target=lambda: armed.append(_fault_arming(emulator, fault_rate, rng, stop)), daemon=True
    )
    # The daily imports are not part of the soak: one would retry the server that is down
    # for longer than the run.
    Schedule.objects.filter(schedule_type=Schedule.DAILY).update(
        next_run=timezone.now() + timedelta(days=1)
    )
    per_cluster = max(1, workers // 2)
    clusters = [_cluster(per_cluster, log_dir / f"soak-cluster{n}.log") for n in range(2)]
    client = Client(SERVER_NAME="localhost")
    # Each service gets a prefix of the lifecycle; the services' steps are interleaved.
    plans = {n: COMMANDS[: rng.randint(1, 4)] for n in range(services)}
    for n in range(0, services, MOVED_EVERY):
        plans[n] = (MOVED, *plans[n])
    steps = [(n, i) for n in plans for i in range(len(plans[n]))]
    rng.shuffle(steps)
    sequence, next_step = [], dict.fromkeys(plans, 0)
    for n, _ in steps:
        sequence.append((n, plans[n][next_step[n]]))
        next_step[n] += 1
    short = {**settings.Q_CLUSTER, "timeout": int(WORKER_ENV["Q_TIMEOUT"])}
    last_sweep = 0.0

    def sweep():
        nonlocal last_sweep
        if time.monotonic() - last_sweep >= 1:
            # The workers' timeout and backoff: the sweep ends lost attempts too.
            retry_base = float(WORKER_ENV["OPERATION_RETRY_BASE_SECONDS"])
            with override_settings(Q_CLUSTER=short, OPERATION_RETRY_BASE_SECONDS=retry_base):
                # Short runs: tasks a killed cluster had prefetched are sent again soon.
                operations_sweep(requeue_after=timedelta(seconds=10))
            last_sweep = time.monotonic()

    try:
        arming.start()
        for index, (n, command) in enumerate(sequence, 1):
            body = _body(n, command, emulator)
            status = _send(client, body)
            result.accepted += status == 202
            if rng.random() < 0.1:  # WHMCS delivers the same event again
                result.replayed += _send(client, body) == 200
            if index == len(sequence) // 3:
                out.write("killing one worker cluster (SIGKILL) and starting it again\n")
                clusters[0].stop(signal.SIGKILL, grace=0)
                clusters[0] = _cluster(per_cluster, log_dir / "soak-cluster0.log")
            if index == 2 * len(sequence) // 3:
                _worker_kill(clusters, emulator, out)
            sweep()
            if index % 500 == 0:
                out.write(f"sent {index}/{len(sequence)} webhooks\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = Operation.objects.filter(state__in=Operation.UNFINISHED).count()
            if left == 0:
                break
            sweep()
            time.sleep(0.5)
    finally:
        stop.set()
        arming.join(timeout=5)
        for cluster in clusters:
            cluster.stop(signal.SIGTERM, grace=15)
        emulator.stop()
    result.faults = armed[0] if armed else 0
    _count(result, emulator)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _worker_kill(clusters: list[QclusterProcess], emulator: Emulator, out) -> None:
    """SIGKILL a worker while the panel holds its request (its cluster starts a new one):
    the attempt it held ends as a lost worker's."""
    emulator.state.add_fault("delay", count=1, seconds=READ_TIMEOUT + 0.3)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        held = [e for e in emulator.state.requests if "delay" in e["faults"] and not e["status"]]
        for entry in held:
            port = int(entry["peer"].rpartition(":")[2])
            if any(cluster.connection_owner_kill(port) for cluster in clusters):
                out.write("killed a worker (SIGKILL) while the panel held its request\n")
                return
        time.sleep(0.005)


def _count(result: SoakResult, emulator: Emulator) -> None:
    states = Counter(Operation.objects.values_list("state", flat=True))
    result.succeeded = states["succeeded"]
    result.failed = states["failed"]
    result.superseded = states["superseded"]
    result.unfinished = sum(states[s] for s in Operation.UNFINISHED)
    result.retried = Operation.objects.filter(attempts__gt=1).count()
    result.workers_lost = Attempt.objects.filter(outcome=Attempt.Outcome.WORKER_LOST).count()
    on_down = Operation.objects.filter(server__whmcs_id=DOWN_SERVER, service__isnull=False)
    result.moved = on_down.values("service_id").order_by().distinct().count()
    # What was asked of the server that is down ends superseded by the move, never lost
    # and never done; and it cannot have left an account behind.
    for op in on_down.exclude(state=Operation.State.SUPERSEDED).select_related("service"):
        result.mismatches += 1
        result.details.append(
            f"{op.service.domain}: {op.command} #{op.pk} {op.state} on the down server"
        )
    for left in accounts_left_behind():
        result.mismatches += 1
        result.details.append(f"{left.service.domain}: listed as left on {left.operation.server}")
    # Creating is the one action that is not idempotent on the panel: a create that
    # succeeded twice for one domain is a duplicate. A create sent again after an unknown
    # outcome, refused because the account existed and then adopted, changed nothing;
    # so did suspend/unsuspend/terminate repeated after an unknown outcome: both are
    # counted apart.
    applied = Counter()
    for entry in emulator.state.requests:
        domain = entry["fields"].get("domain")
        if entry["answer"] == "success":
            applied[(domain, entry["action"])] += 1
        elif entry["action"] == "create" and "already exists" in (entry["answer"] or ""):
            result.repeated += 1
    wanted = Counter(
        (domain, command.removesuffix("Account").lower())
        for domain, command, request in Operation.objects.filter(state="succeeded").values_list(
            "service__domain_ascii", "command", "request"
        )
        if request.get("note") != "already in effect"
    )
    for key, count in applied.items():
        extra = count - wanted[key]
        if extra > 0 and key[1] == "create":
            result.duplicates += extra
            result.details.append(f"create applied {count}x on {key[0]}")
        elif extra > 0:
            result.repeated += extra
    for service in Service.objects.all():
        account = emulator.state.customer(service.domain_ascii)
        panel = PANEL_STATUS[account["settled_status"] if account else None]
        if panel != service.status:
            result.mismatches += 1
            result.details.append(f"{service.domain}: bridge {service.status}, panel {panel}")


def soak_report(result: SoakResult) -> str:
    lines = [
        f"accepted:             {result.accepted} (plus {result.replayed} replayed deliveries)",
        f"succeeded:            {result.succeeded}",
        f"failed:               {result.failed}",
        f"superseded:           {result.superseded}",
        f"retried:              {result.retried} (faults armed: {result.faults})",
        f"moved from down server: {result.moved}",
        f"workers lost:         {result.workers_lost} (attempts ended by a killed worker)",
        f"duplicates on panel:  {result.duplicates}",
        f"repeated (idempotent): {result.repeated}",
        f"mismatches:           {result.mismatches}",
        f"unfinished:           {result.unfinished}",
        f"time:                 {result.seconds} s",
    ]
    lines += [f"  {detail}" for detail in result.details[:20]]
    return "\n".join(lines) + "\n"
