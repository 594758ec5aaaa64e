"""Panel call timings: recorded from the panel client's observer hook, read by /metrics
(a latency histogram per server and action) and the dashboard (median over 24 hours).

Each call is a PanelCall row for KEEP; older rows are folded into PanelLatencyTotal, so
the histogram's counts never go down (Prometheus reads a drop as a counter reset)."""

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import BigIntegerField, Count, F, Q, Sum, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.utils import timezone

from ..models import PanelCall, PanelLatencyTotal
from .imscp import client as panel
from .imscp.errors import PanelError

logger = logging.getLogger(__name__)

# Upper bounds (seconds) of the histogram's buckets: a quick answer is tens of ms, an
# account creation seconds, a timeout PANEL_READ_TIMEOUT (60 s by default).
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
KEEP = timedelta(days=2)
FOLD_BATCH = 5000


def panel_call_record(
    target: panel.PanelTarget, action: str, seconds: float, error: Exception | None
) -> None:
    """The observer registered with the panel client (see apps.py)."""
    if target.server_id is None:
        return  # a target built outside the bridge's servers (tests, benchmarks)
    call = PanelCall(
        server_id=target.server_id,
        action=action,
        at=timezone.now(),
        seconds=seconds,
        # A refusal is an answer; only a call that reached no panel is not.
        answered=error is None
        or (isinstance(error, PanelError) and not getattr(error, "unreachable", False)),
    )
    held = _held.get()
    if held is None:
        call.save()
    else:
        held.append(call)


# An operation's attempt holds its calls' timings and writes them with its outcome: on
# SQLite, a write of its own per call waited for the database's single write lock.
_held: ContextVar[list[PanelCall] | None] = ContextVar("panel_calls_held", default=None)


@contextmanager
def panel_calls_held() -> Iterator[None]:
    """Calls timed in the block are written by `panel_calls_write`, or when it ends."""
    token = _held.set([])
    try:
        yield
    finally:
        panel_calls_write()
        _held.reset(token)


def panel_calls_write() -> None:
    """Write the timings held so far (in the caller's transaction, if any)."""
    held = _held.get()
    if held:
        PanelCall.objects.bulk_create(held)
        held.clear()


def observer_register() -> None:
    if panel_call_record not in panel.CALL_OBSERVERS:
        panel.CALL_OBSERVERS.append(panel_call_record)


@dataclass
class Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))  # cumulative
    count: int = 0
    total: float = 0.0


def latency_histograms() -> dict[tuple[int, str], Histogram]:
    """Per (server id, action), every call ever timed: one statement, so that a fold
    committing meanwhile is counted once (as live calls or as totals, never both nor
    neither, which Prometheus would read as a counter going up then down)."""
    les = [f"le{i}" for i in range(len(BUCKETS))]
    columns = ["server_id", "action", "n", "total", *les]
    live = (
        PanelCall.objects.values("server_id", "action")
        .annotate(
            n=Count("id"),
            total=Sum("seconds"),
            **{
                le: Count("id", filter=Q(seconds__lte=b))
                for le, b in zip(les, BUCKETS, strict=True)
            },
        )
        .values_list(*columns)
        .order_by()
    )
    folded = PanelLatencyTotal.objects.annotate(
        n=Cast("count", BigIntegerField()),
        total=F("sum_seconds"),
        **{
            le: Coalesce(Cast(KeyTextTransform(str(i), "buckets"), BigIntegerField()), 0)
            for i, le in enumerate(les)
        },
    ).values_list(*columns)
    histograms: dict[tuple[int, str], Histogram] = defaultdict(Histogram)
    for server_id, action, n, total, *buckets in live.union(folded, all=True):
        h = histograms[server_id, action]
        h.count += n
        h.total += total or 0.0
        h.buckets = [a + b for a, b in zip(h.buckets, buckets, strict=True)]
    return dict(histograms)


def median_latency_by_server(since: datetime) -> dict[int, float]:
    """The median call time (seconds) of each server's calls since `since`: one query."""
    ranked = PanelCall.objects.filter(at__gte=since).annotate(
        position=Window(RowNumber(), partition_by=[F("server_id")], order_by=F("seconds").asc()),
        calls=Window(Count("id"), partition_by=[F("server_id")]),
    )
    # The middle row, or the two middle rows of an even count (integer division).
    middle = ranked.filter(
        Q(position=(F("calls") + 1) / 2) | Q(position=(F("calls") + 2) / 2)
    ).values_list("server_id", "seconds")
    values: dict[int, list[float]] = defaultdict(list)
    for server_id, seconds in middle:
        values[server_id].append(seconds)
    return {server_id: sum(v) / len(v) for server_id, v in values.items()}


def panel_calls_fold(now: datetime | None = None) -> int:
    """Fold calls older than KEEP into the totals; returns how many were folded.

    The rows are locked while folded (PostgreSQL; SQLite's writes are serial anyway), so
    two workers running this at once never count a call twice."""
    cutoff = (now or timezone.now()) - KEEP
    with transaction.atomic():
        rows = list(
            PanelCall.objects.select_for_update()
            .filter(at__lt=cutoff)
            .order_by("id")
            .values_list("id", "server_id", "action", "seconds")[:FOLD_BATCH]
        )
        if not rows:
            return 0
        added: dict[tuple[int, str], Histogram] = defaultdict(Histogram)
        for _, server_id, action, seconds in rows:
            h = added[server_id, action]
            h.count += 1
            h.total += seconds
            h.buckets = [n + (seconds <= b) for n, b in zip(h.buckets, BUCKETS, strict=True)]
        server_ids = {server_id for server_id, _ in added}
        totals = {
            (t.server_id, t.action): t
            for t in PanelLatencyTotal.objects.select_for_update().filter(server_id__in=server_ids)
        }
        for (server_id, action), h in added.items():
            total = totals.get((server_id, action)) or PanelLatencyTotal(
                server_id=server_id, action=action, buckets=[0] * len(BUCKETS)
            )
            total.count += h.count
            total.sum_seconds += h.total
            total.buckets = [a + b for a, b in zip(total.buckets, h.buckets, strict=True)]
            total.save()
        PanelCall.objects.filter(id__in=[row[0] for row in rows]).delete()
    return len(rows)
