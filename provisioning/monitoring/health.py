"""GET /healthz: for load balancers and uptime monitors. Public, cheap, and says nothing
beyond its checks.

`/healthz` checks what a web node needs to accept and journal webhooks: the database and
the broker (with a short timeout, so that a silent Redis fails the probe instead of
holding it). `/healthz?full=1` adds a worker seen lately, for monitors: a qcluster
restarting or a worker host down must not take every web node out of a load balancer."""

import logging

import redis
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..db.task_broker import broker  # this process's broker, the one its enqueues use
from ..http_errors import json_error
from .heartbeat import SEEN_WITHIN, worker_seen

logger = logging.getLogger(__name__)

# Seconds a probe waits for Redis: load balancers give up after a few seconds, and the
# Redis client's own default waits for ever.
BROKER_TIMEOUT = 1.0


def _database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _redis_probe(client: redis.Redis) -> redis.Redis:
    """A client of the broker's Redis that gives up after BROKER_TIMEOUT (kept with the
    broker: one connection per process, as for the broker's own)."""
    pool = client.connection_pool
    kwargs = {
        **pool.connection_kwargs,
        "socket_timeout": BROKER_TIMEOUT,
        "socket_connect_timeout": BROKER_TIMEOUT,
    }
    return redis.Redis(
        connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs)
    )


def _broker_check() -> str | None:
    current = broker()
    client = getattr(current, "connection", None)
    if not isinstance(client, redis.Redis):
        return None if current.ping() else "the broker did not answer"
    probe = getattr(current, "health_probe", None)
    if probe is None:
        probe = current.health_probe = _redis_probe(client)
    try:
        probe.ping()
    except redis.TimeoutError:
        return f"the broker did not answer within {BROKER_TIMEOUT:g} s"
    return None


def _worker() -> str | None:
    if worker_seen():
        return None
    return f"no qcluster worker seen in the last {SEEN_WITHIN.seconds} s"


CHECKS = {"database": _database, "broker": _broker_check}
FULL_CHECKS = {**CHECKS, "worker": _worker}


def health_checks(*, full: bool = False) -> dict[str, str]:
    """Each check's "ok" or what failed; a check after a failed database is "not checked"
    when it needs the database. `full`: the worker too."""
    results: dict[str, str] = {}
    for name, check in (FULL_CHECKS if full else CHECKS).items():
        if name == "worker" and results.get("database") != "ok":
            results[name] = "not checked (no database)"
            continue
        try:
            problem = check()
        except Exception as exc:
            logger.warning("health check %s failed: %s", name, type(exc).__name__)
            problem = f"failed ({type(exc).__name__})"
        results[name] = problem or "ok"
    return results


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    full = request.GET.get("full", "0")
    if full not in ("0", "1"):
        return json_error(400, "full must be 0 or 1")
    checks = health_checks(full=full == "1")
    failed = [name for name, result in checks.items() if result != "ok"]
    body = {"status": "failing" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
