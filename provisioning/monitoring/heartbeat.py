"""Signs of life of the qcluster workers, where the web process can read them.

django-q2's guard saves its cluster's status every cycle through the broker
(`set_stat`); the bridge's brokers (`db/task_broker.py`) pass it on here
(`handoffs.cluster_status`), written at most every BEAT seconds per cluster and at once
when its status changes (a cluster stopping says so before it goes). /healthz reads it."""

import socket
import time
from datetime import datetime, timedelta

from django.utils import timezone
from django_q.conf import Conf
from django_q.signing import SignedPackage

from ..models import WorkerHeartbeat

BEAT = 10.0  # seconds between writes of a cluster whose status did not change
SEEN_WITHIN = timedelta(seconds=60)
FORGET_AFTER = timedelta(days=1)
_ALIVE = (Conf.STARTING, Conf.WORKING, Conf.IDLE)

_last: dict[str, tuple[float, str]] = {}  # cluster id -> (monotonic time, status) written


def heartbeat_from_stat(packed: str) -> None:
    """Record the guard's status package (as given to the broker's `set_stat`)."""
    stat = SignedPackage.loads(packed)
    cluster_id, status = str(stat.cluster_id), str(stat.status)
    written = _last.get(cluster_id)
    now = time.monotonic()
    if written is not None and written[1] == status and now - written[0] < BEAT:
        return
    seen_at = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        cluster_id=cluster_id,
        defaults={"host": stat.host or socket.gethostname(), "status": status, "seen_at": seen_at},
    )
    if written is None:
        WorkerHeartbeat.objects.filter(seen_at__lt=seen_at - FORGET_AFTER).delete()
    _last[cluster_id] = (now, status)


def heartbeat_received(sender, packed: str, **kwargs) -> None:
    """`handoffs.cluster_status`: a broker saved the guard's status."""
    heartbeat_from_stat(packed)


def worker_seen(now: datetime | None = None) -> bool:
    """Whether a running cluster reported within SEEN_WITHIN."""
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(
        seen_at__gte=now - SEEN_WITHIN, status__in=[str(s) for s in _ALIVE]
    ).exists()
