"""Benchmark 6, round trip: what the bridge adds to a WHMCS call. Sequential
SuspendAccount/UnsuspendAccount pairs, each a real call of the PHP module through a live
bridge (gunicorn as `make run` starts it, qcluster) against the emulator answering after
D ms, versus the same panel calls made directly with the bridge's panel client, in
alternating rounds; on PostgreSQL + Redis and on the embedded defaults (SQLite, database
broker). Also: 50 module calls waiting at once while the web server answers other
requests, and the CPU the idle bridge uses.

    python -m benchmarks.roundtrip [--pairs 50] [--slow-pairs 15] [--rounds 4]
        [--concurrent 50] [--idle 30] [--setups postgresql-redis,embedded]
"""

import argparse
import contextlib
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import requests

from . import figures
from .module_calls import module_calls, module_result, module_start, php_binary, service_params
from .panel_calls import client_configure, panel_target
from .process_cpu import tree_cpu_seconds
from .servers import (
    bench_env,
    emulator_process,
    emulator_seed,
    gunicorn_process,
    manage,
    postgres_database,
    qcluster,
    redis_server,
    sqlite_database,
)

# Added milliseconds per call allowed at D = 10 ms (median), by setup, and at most this
# many times the direct call.
TARGETS = {"postgresql-redis": 40.0, "embedded": 50.0}
MAX_RATIO = 4.0
FAST, SLOW = 0.010, 0.200


@dataclass
class Bridge:
    url: str
    web_pid: int
    cluster_pid: int


@contextlib.contextmanager
def bridge_running(setup: str) -> Iterator[Bridge]:
    with contextlib.ExitStack() as stack:
        if setup == "postgresql-redis":
            extra = {
                "DATABASE_URL": stack.enter_context(postgres_database()),
                "REDIS_URL": stack.enter_context(redis_server()),
            }
        else:
            extra = {"DATABASE_URL": stack.enter_context(sqlite_database())}
        env = bench_env(**extra)
        manage(env, "migrate")
        url, web = stack.enter_context(gunicorn_process("kaziwhmcs_site.wsgi", env))
        cluster = stack.enter_context(qcluster(env, workers=2))
        time.sleep(2)  # let the cluster's workers start before the clock does
        yield Bridge(url, web.pid, cluster.pid)


def panel_delay(panel_url: str, seconds: float) -> None:
    fault = {"clear": True, "faults": [{"kind": "delay", "seconds": seconds}]}
    requests.post(f"{panel_url}/_emulator/faults", json=fault, timeout=10).raise_for_status()


def module_pairs(bridge: Bridge, params: dict, pairs: int) -> tuple[list[float], list[str]]:
    calls = [(command, params) for _ in range(pairs) for command in ("Suspend", "Unsuspend")]
    return module_calls(bridge.url, [(f"{command}Account", p) for command, p in calls])


def direct_pairs(target, domain: str, pairs: int) -> tuple[list[float], list[str]]:
    from provisioning.panels.imscp import client

    seconds, results = [], []
    for _ in range(pairs):
        for call in (client.suspend, client.unsuspend):
            started = time.perf_counter()
            try:
                call(target, domain)
                results.append("success")
            except Exception as exc:  # counted as a failed call, the run goes on
                results.append(str(exc))
            seconds.append(time.perf_counter() - started)
    return seconds, results


def rounds_run(bridge, params, target, domain, pairs: int, rounds: int):
    """Bridge and direct rounds alternating (which side goes first alternates too)."""
    bridge_s, bridge_r, direct_s, direct_r = [], [], [], []
    for number in range(rounds):
        size = pairs // rounds + (1 if number < pairs % rounds else 0)
        sides = [
            (bridge_s, bridge_r, module_pairs, bridge, params),
            (direct_s, direct_r, direct_pairs, target, domain),
        ]
        for seconds, results, side, where, what in sides if number % 2 == 0 else sides[::-1]:
            _extend(seconds, results, side(where, what, size))
    return bridge_s, bridge_r, direct_s, direct_r


def _extend(seconds: list, results: list, got: tuple[list, list]) -> None:
    seconds.extend(got[0])
    results.extend(got[1])


def delay_report(setup: str, delay: float, sides) -> bool:
    bridge_s, bridge_r, direct_s, direct_r = sides
    b50, b90 = figures.median(bridge_s) * 1000, figures.percentile(bridge_s, 0.9) * 1000
    d50, d90 = figures.median(direct_s) * 1000, figures.percentile(direct_s, 0.9) * 1000
    figures.heading(f"round trip, {setup}, panel answering after {delay * 1000:g} ms")
    figures.line("direct (panel client)", f"median {d50:6.1f} ms, p90 {d90:6.1f} ms per call")
    figures.line("module -> bridge -> worker", f"median {b50:6.1f} ms, p90 {b90:6.1f} ms per call")
    figures.line("ratio bridge/direct", f"{b50 / d50:.2f}x (p90 {b90 / d90:.2f}x)")
    figures.line("added per call", f"{b50 - d50:+.1f} ms (p90 {b90 - d90:+.1f} ms)")
    failed = [r for r in bridge_r + direct_r if r != "success"]
    ok = figures.target(not failed, f"every call succeeded ({len(failed)} did not)")
    if failed:
        print(f"  first failure: {failed[0][:300]}")
    if delay == FAST:
        limit = TARGETS[setup]
        ok &= figures.target(
            b50 - d50 <= limit, f"added <= {limit:g} ms per call (median: {b50 - d50:.1f} ms)"
        )
        ok &= figures.target(
            b50 <= MAX_RATIO * d50, f"<= {MAX_RATIO:g}x the direct call ({b50 / d50:.2f}x)"
        )
    return ok


def concurrent_waits(bridge: Bridge, services: list[dict]) -> bool:
    """Every service's suspension asked at once, one PHP process each; meanwhile the web
    server is asked for /healthz: waiting calls must not take its threads."""
    stop, probes = threading.Event(), []

    def probe() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            with contextlib.suppress(requests.RequestException):
                requests.get(f"{bridge.url}/healthz", timeout=30)
            probes.append(time.perf_counter() - started)
            time.sleep(0.05)

    started = time.perf_counter()
    processes = [module_start(bridge.url, [("SuspendAccount", p)]) for p in services]
    prober = threading.Thread(target=probe)
    prober.start()
    outcomes = [module_result(process) for process in processes]
    elapsed = time.perf_counter() - started
    stop.set()
    prober.join()
    seconds = [s for got in outcomes for s in got[0]]
    results = [r for got in outcomes for r in got[1]]
    figures.heading(
        f"{len(services)} module calls waiting at once (panel after {SLOW * 1000:g} ms)"
    )
    figures.line(
        "module calls",
        f"all answered in {elapsed:.1f} s; per call median {figures.median(seconds):.2f} s, "
        f"max {max(seconds):.2f} s",
    )
    worst = max(probes) * 1000
    figures.line(
        "/healthz meanwhile",
        f"{len(probes)} asked: median {figures.median(probes) * 1000:.1f} ms, "
        f"p90 {figures.percentile(probes, 0.9) * 1000:.1f} ms, max {worst:.1f} ms",
    )
    ok = figures.target(
        results.count("success") == len(services),
        f"every call answered success ({results.count('success')} of {len(services)})",
    )
    return ok & figures.target(worst <= 1000, f"the web server kept answering (max {worst:.0f} ms)")


def idle_cost(bridge: Bridge, seconds: float) -> None:
    time.sleep(5)  # the last work's tail (the cluster's monitor, acks, sweeps)
    before = tree_cpu_seconds(bridge.web_pid), tree_cpu_seconds(bridge.cluster_pid)
    time.sleep(seconds)
    after = tree_cpu_seconds(bridge.web_pid), tree_cpu_seconds(bridge.cluster_pid)
    web, cluster = ((a - b) * 60 / seconds for a, b in zip(after, before, strict=True))
    figures.line(
        f"idle CPU per minute ({seconds:g} s)",
        f"gunicorn {web:.2f} s, qcluster {cluster:.2f} s (of 60 s on one core)",
    )


def setup_run(setup: str, panel_url: str, args) -> bool:
    run = uuid.uuid4().hex[:8]
    host_port = panel_url.split("://", 1)[1]
    emulator_seed(panel_url)
    panel_delay(panel_url, FAST)
    target = panel_target(panel_url)
    from provisioning.panels.imscp import client

    direct_domain = f"direct-{run}.example.test"
    client.create(
        target,
        client.NewAccount(
            plan="Basic", domain=direct_domain, password="Direct-pass-1x", email="d@example.test"
        ),
    )
    services = [service_params(n, f"rt{n}-{run}.example.test", host_port) for n in range(1, 52)]
    ok = True
    with bridge_running(setup) as bridge:
        _, created = module_calls(bridge.url, [("CreateAccount", p) for p in services])
        ok &= figures.target(created.count("success") == len(services), "accounts created")
        main_service, waiting = services[0], services[1 : 1 + args.concurrent]
        module_pairs(bridge, main_service, 2)  # warm-up: both web workers, the worker
        direct_pairs(target, direct_domain, 2)
        for delay, pairs in ((FAST, args.pairs), (SLOW, args.slow_pairs)):
            panel_delay(panel_url, delay)
            sides = rounds_run(bridge, main_service, target, direct_domain, pairs, args.rounds)
            ok &= delay_report(setup, delay, sides)
        panel_delay(panel_url, SLOW)
        ok &= concurrent_waits(bridge, waiting)
        panel_delay(panel_url, FAST)
        idle_cost(bridge, args.idle)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50, help="pairs at D = 10 ms")
    parser.add_argument("--slow-pairs", type=int, default=15, help="pairs at D = 200 ms")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrent", type=int, default=50, help="module calls at once")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle measured")
    parser.add_argument("--setups", default="postgresql-redis,embedded")
    args = parser.parse_args(argv)
    args.concurrent = min(args.concurrent, 50)
    php_binary()
    client_configure()
    ok = True
    with emulator_process(bench_env()) as panel_url:
        for setup in args.setups.split(","):
            ok &= setup_run(setup, panel_url, args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
