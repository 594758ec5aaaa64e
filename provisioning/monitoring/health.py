"""GET /healthz: for load balancers and uptime monitors. Public, cheap, and says nothing
beyond the three checks: the database answers, the broker answers, a worker was seen."""

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..db.task_broker import broker  # this process's broker, the one its enqueues use
from .heartbeat import SEEN_WITHIN, worker_seen

logger = logging.getLogger(__name__)


def _database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return None


def _broker_check() -> str | None:
    return None if broker().ping() else "the broker did not answer"


def _worker() -> str | None:
    if worker_seen():
        return None
    return f"no qcluster worker seen in the last {SEEN_WITHIN.seconds} s"


CHECKS = {"database": _database, "broker": _broker_check, "worker": _worker}


def health_checks() -> dict[str, str]:
    """Each check's "ok" or what failed; a check after a failed database is "not checked"
    when it needs the database."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
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
    checks = health_checks()
    failed = [name for name, result in checks.items() if result != "ok"]
    body = {"status": "failing" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
