"""GET /healthz (for load balancers): what a web node needs to accept and journal
webhooks, the database and the broker, and nothing a web node can do without: no worker
seen takes no web node out. A silent Redis fails it after a short timeout; it answers
over plain http whatever SECURE_SSL_REDIRECT says."""

import contextlib
import socket
import threading
import time

import pytest
from django.db import OperationalError, connection
from django_q.conf import Conf

from provisioning.db.task_broker import RedisBroker
from provisioning.monitoring import health
from tests.ports import free_port

pytestmark = pytest.mark.django_db


def get(client, path="/healthz"):
    response = client.get(path)
    return response.status_code, response.json()


def test_without_a_worker_the_load_balancers_check_answers_200(client):
    assert get(client) == (200, {"status": "ok", "checks": {"database": "ok", "broker": "ok"}})
    assert get(client, "/healthz?full=1")[0] == 503, "the monitors' check still fails"


class SilentRedis:
    """Accepts connections and never answers (a Redis host that hangs); closes them
    `hold` seconds after it accepted them, so that nothing waits for ever."""

    def __init__(self, hold: float = 3.0):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.url = f"redis://127.0.0.1:{self.sock.getsockname()[1]}/0"
        self.hold, self.stopped = hold, threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        held: list[tuple[float, socket.socket]] = []
        while not self.stopped.is_set():
            with contextlib.suppress(TimeoutError):
                held.append((time.monotonic() + self.hold, self.sock.accept()[0]))
            for due, conn in list(held):
                if due <= time.monotonic():
                    conn.close()
                    held.remove((due, conn))
        for _, conn in held:
            conn.close()

    def stop(self):
        self.stopped.set()
        self.thread.join()
        self.sock.close()


def redis_broker(monkeypatch, url: str) -> RedisBroker:
    monkeypatch.setattr(Conf, "REDIS", url)
    monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
    current = RedisBroker()
    monkeypatch.setattr(health, "broker", lambda: current)
    return current


def test_a_silent_redis_fails_the_broker_check_after_the_short_timeout(client, monkeypatch):
    silent = SilentRedis()
    try:
        redis_broker(monkeypatch, silent.url)
        status, body = get(client)
    finally:
        silent.stop()
    assert (status, body["failed"]) == (503, ["broker"])
    # A client waiting longer than the 3 s the host holds a connection meets its close.
    assert body["checks"]["broker"] == "the broker did not answer within 1 s"


def test_a_redis_that_refuses_connections_answers_503_naming_the_broker(client, monkeypatch):
    redis_broker(monkeypatch, f"redis://127.0.0.1:{free_port()}/0")
    assert get(client) == (
        503,
        {
            "status": "failing",
            "checks": {"database": "ok", "broker": "failed (ConnectionError)"},
            "failed": ["broker"],
        },
    )


def test_a_database_that_fails_answers_503_naming_the_database(client):
    def database_down(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(database_down):
        lb = get(client)
        full = get(client, "/healthz?full=1")
    assert lb == (
        503,
        {
            "status": "failing",
            "checks": {"database": "failed (OperationalError)", "broker": "ok"},
            "failed": ["database"],
        },
    )
    assert full[1]["checks"]["worker"] == "not checked (no database)"
    assert full[1]["failed"] == ["database", "worker"]


def test_it_answers_over_plain_http_when_every_other_page_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz?full=1").status_code == 503, "answered, not redirected"
    redirected = client.get("/admin/login/")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")
