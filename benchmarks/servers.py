"""Throwaway servers for the benchmarks: PostgreSQL, Redis, gunicorn, qcluster, the panel
emulator. Each runs from a temporary directory and is stopped when its context ends."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

# Fixed benchmark secrets: nothing here protects real data.
BENCH_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-secret-key-not-for-production",
    "WEBHOOK_SECRET": "benchmark-webhook-secret",
    "FIELD_ENCRYPTION_KEYS": "YmVuY2htYXJrLWtleS0zMi1ieXRlcy1sb25nLXh4eHg=",
    "ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
    "LOG_LEVEL": "WARNING",
    "PYTHONWARNINGS": "ignore::UserWarning",  # whitenoise: no collectstatic for benchmarks
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BENCH_ENV)
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


def wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout:g} s")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
    return str(versions[-1])


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    """A DATABASE_URL for a fresh SQLite file."""
    with tempfile.TemporaryDirectory(prefix="kazi-bench-") as tmp:
        yield f"sqlite:///{tmp}/bench.sqlite3"


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A DATABASE_URL for a throwaway PostgreSQL cluster (initdb + pg_ctl in a temp dir).

    PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` user."""
    tmp = Path(tempfile.mkdtemp(prefix="kazi-bench-pg-"))
    data, port = tmp / "data", free_port()
    as_root = os.geteuid() == 0

    def run(*args: str) -> None:
        command = " ".join(args)
        full = ["su", "postgres", "-c", command] if as_root else ["sh", "-c", command]
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    if as_root:
        shutil.chown(tmp, "postgres")
    pg_ctl = _pg_bin("pg_ctl")
    try:
        run(_pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {port} -k {tmp} -c fsync=off -c listen_addresses=127.0.0.1"
        run(pg_ctl, "-D", str(data), "-l", str(tmp / "log"), "-w", "-o", f"'{options}'", "start")
        run(_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        yield f"postgres://postgres@127.0.0.1:{port}/bench"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A REDIS_URL for a throwaway redis-server (no persistence)."""
    port = free_port()
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(port),
            "--daemonize",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--bind",
            "127.0.0.1",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _port_open(port), "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        subprocess.run(
            ["redis-cli", "-p", str(port), "shutdown", "nosave"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str]) -> Iterator[str]:
    """The production server as `make run` starts it: 2 workers x 4 threads."""
    with gunicorn_process(app, env) as (url, _process):
        yield url


@contextlib.contextmanager
def gunicorn_process(app: str, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """`gunicorn`, with its master process (whose children are the workers)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for(lambda: _port_open(port), f"gunicorn {app}")
        yield f"http://127.0.0.1:{port}", process
    finally:
        _stop(process)


@contextlib.contextmanager
def qcluster(env: dict[str, str], workers: int = 2) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        env={**env, "Q_WORKERS": str(workers)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        _stop(process)


@contextlib.contextmanager
def emulator_process(env: dict[str, str]) -> Iterator[str]:
    """The panel emulator in its own process (so it does not share our GIL)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "imscp_emulator",
            "--port",
            str(port),
            "--no-demo",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(f"{url}/_emulator/faults", timeout=2).ok, "emulator")
        yield url
    finally:
        _stop(process)


RESELLER = ("bench-reseller", "bench-reseller-pass-1")


def emulator_seed(url: str, *, bulk: int = 0, delay: float = 0.0) -> None:
    """One reseller with plan Basic, optionally `bulk` customers and a delay on every call."""
    requests.post(f"{url}/_emulator/reset", json={}, timeout=10).raise_for_status()
    payload: dict = {
        "resellers": [{"name": RESELLER[0], "password": RESELLER[1]}],
        "plans": [{"reseller": RESELLER[0], "name": "Basic"}],
    }
    if bulk:
        payload["bulk"] = {"n": bulk, "reseller": RESELLER[0], "plan": "Basic"}
    requests.post(f"{url}/_emulator/seed", json=payload, timeout=120).raise_for_status()
    if delay:
        fault = {"kind": "delay", "seconds": delay}
        requests.post(f"{url}/_emulator/faults", json=fault, timeout=10).raise_for_status()
