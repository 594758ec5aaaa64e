"""GET /healthz?full=1 (for monitors): 200 while the database, the broker and a worker
answer; 503 naming the check that failed otherwise. Public, and nothing in it beyond the
checks. (The load balancers' /healthz: test_healthz_load_balancer.py.)"""

import signal
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from provisioning.models import WorkerHeartbeat
from tests.worker_fixtures import Worker, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def health(client):
    response = client.get("/healthz?full=1")
    return response.status_code, response.json()


def test_without_a_worker_it_answers_503_naming_the_worker(client):
    status, body = health(client)
    assert status == 503
    assert body == {
        "status": "failing",
        "checks": {
            "database": "ok",
            "broker": "ok",
            "worker": "no qcluster worker seen in the last 60 s",
        },
        "failed": ["worker"],
    }


def test_with_a_running_worker_it_answers_200_and_503_once_the_worker_stopped(client, tmp_path):
    worker = Worker(tmp_path / "qcluster.log")
    try:
        wait_until(lambda: health(client)[0] == 200, message="a worker's heartbeat")
        status, body = health(client)
        assert body == {
            "status": "ok",
            "checks": {"database": "ok", "broker": "ok", "worker": "ok"},
        }
    finally:
        worker.stop()
    status, body = health(client)
    assert (status, body["failed"]) == (503, ["worker"]), "a stopping cluster says so"
    assert WorkerHeartbeat.objects.get().status == "Stopped"


def test_a_worker_killed_without_a_word_fails_the_check_after_60_seconds(client, tmp_path):
    worker = Worker(tmp_path / "qcluster.log")
    try:
        wait_until(lambda: health(client)[0] == 200, message="a worker's heartbeat")
    finally:
        worker.stop(sig=signal.SIGKILL)
    seen = WorkerHeartbeat.objects.get().seen_at
    with time_machine.travel(seen + timedelta(seconds=59)):
        assert health(client)[0] == 200
    with time_machine.travel(seen + timedelta(seconds=61)):
        assert health(client) == (
            503,
            {
                "status": "failing",
                "checks": {
                    "database": "ok",
                    "broker": "ok",
                    "worker": "no qcluster worker seen in the last 60 s",
                },
                "failed": ["worker"],
            },
        )


def test_it_is_public_uncached_and_read_only(client):
    WorkerHeartbeat.objects.create(cluster_id="c1", host="h", status="Idle", seen_at=timezone.now())
    response = client.get("/healthz?full=1")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405
    assert client.get("/healthz?full=yes").json() == {"error": "full must be 0 or 1"}
