"""What the admin index shows at a glance: a list of sections, each row a link.

Each section is one function of `now` in SECTIONS; a new section is one more line there."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Min, Q, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from ..models import Attempt, Incident, Operation, Server, Service
from ..monitoring.incidents import open_incident_counts
from ..operations.debts import (
    accounts_left_behind_operations,
    suspensions_owed_operations,
)
from ..operations.plan_changes import plan_changes_owed
from ..operations.reconcile import reconcile_last_report
from ..panels.access import server_pause_text
from ..panels.timings import median_latency_by_server

State = Operation.State


@dataclass
class Row:
    label: str
    value: int | str
    url: str = ""
    alert: bool = False  # worth an operator's attention

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, int)


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    empty: str = "Nothing to show."


# The size of the whole list, on each of its first rows: count and rows in one query.
_TOTAL = Window(Count("id"))


def _changelist(model: str, **params) -> str:
    url = reverse(f"admin:provisioning_{model}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def services_by_status(now: datetime) -> Section:
    counts = dict(Service.objects.values_list("status").annotate(n=Count("id")).order_by())
    rows = [
        Row(label, counts.get(value, 0), _changelist("service", status__exact=value))
        for value, label in Service.Status.choices
    ]
    return Section("Services by status", rows)


def operations_last_day(now: datetime) -> Section:
    """The last day's operations by state, and the oldest unfinished one: one query."""
    since = now - timedelta(hours=24)
    recent = Q(created_at__gte=since)
    unfinished = Q(state__in=Operation.UNFINISHED)
    shown = (State.QUEUED, State.RUNNING, State.RETRYING, State.FAILED)
    figures = Operation.objects.filter(recent | unfinished).aggregate(
        **{state: Count("id", filter=recent & Q(state=state)) for state in shown},
        oldest_id=Min("id", filter=unfinished),
        oldest_at=Min("created_at", filter=unfinished),
    )
    rows = []
    for state in shown:
        url = _changelist(
            "operation", state__exact=state, created_at__gte=since.isoformat(timespec="seconds")
        )
        count = figures[state]
        rows.append(
            Row(state.label.capitalize(), count, url, alert=state == State.FAILED and count)
        )
    if figures["oldest_id"] is not None:
        rows.append(
            Row(
                f"Oldest unfinished: #{figures['oldest_id']}",
                f"{timesince(figures['oldest_at'], now)} old",
                reverse("admin:provisioning_operation_change", args=[figures["oldest_id"]]),
                alert=now - figures["oldest_at"] > timedelta(minutes=15),
            )
        )
    return Section("Operations in the last 24 hours", rows)


def billing_suspended_panel_active(now: datetime) -> Section:
    count = suspensions_owed_operations().count()
    return Section(
        "Billing says suspended, panel says active",
        [
            Row(
                "Services whose suspension failed or is still pending",
                count,
                _changelist("service", suspension="unapplied"),
                alert=bool(count),
            )
        ],
    )


def plan_changes_owed_section(now: datetime) -> Section:
    owed = list(
        plan_changes_owed().select_related("service").annotate(total=_TOTAL).order_by("id")[:10]
    )
    count = owed[0].total if owed else 0
    section = Section("Plan changes owed (change the plan on the panel)", empty="None.")
    if count:
        url = _changelist(
            "operation", command__exact=Operation.Command.CHANGE_PACKAGE, state__exact=State.FAILED
        )
        section.rows.append(Row("Plan changes to make by hand", count, url, alert=True))
    section.rows += [
        Row(
            f"{op.service.domain}: {op.request.get('plan_before') or '?'} → "
            f"{op.request.get('plan_wanted') or '?'}",
            f"{timesince(op.created_at, now)} ago",
            reverse("admin:provisioning_operation_change", args=[op.pk]),
            alert=True,
        )
        for op in owed
    ]
    return section


def accounts_left_behind(now: datetime) -> Section:
    left = list(
        accounts_left_behind_operations()
        .select_related("service", "server")
        .annotate(total=_TOTAL)
        .order_by("id")[:10]
    )
    count = left[0].total if left else 0
    section = Section("Accounts on a server the service left", empty="None.")
    if count:  # each is linked below; no admin filter lists exactly these
        section.rows.append(Row("Accounts to clean up by hand", count, alert=True))
    for op in left:
        made = "created" if op.state == State.SUCCEEDED else "maybe created (outcome unknown)"
        section.rows.append(
            Row(
                f"{op.service.domain} on {op.server}",
                f"{made} by #{op.pk}",
                reverse("admin:provisioning_operation_change", args=[op.pk]),
                alert=True,
            )
        )
    return section


def last_reconciliation(now: datetime) -> Section:
    report = reconcile_last_report()
    section = Section(
        "Last reconciliation with the panels",
        empty="Not run yet (daily, or `manage.py reconcile`).",
    )
    if report is None:
        return section
    totals = report.report.get("totals", {})
    url = reverse("admin:provisioning_reconcilereport_change", args=[report.pk])
    section.rows.append(Row(f"{timesince(report.finished_at, now)} ago", "details", url))
    for key, label in (
        ("panel_only", "On the panel only"),
        ("bridge_only", "In the bridge only"),
        ("mismatches", "State differs"),
        ("servers_not_compared", "Servers not compared"),
    ):
        count = totals.get(key, 0)
        section.rows.append(Row(label, count, url, alert=bool(count)))
    return section


def open_incidents(now: datetime) -> Section:
    counts = open_incident_counts()
    rows = [
        Row(label, counts[value], _changelist("incident", open="yes", kind__exact=value), True)
        for value, label in Incident.Kind.choices
        if counts.get(value)
    ]
    return Section("Open incidents", rows, empty="None: nothing is wrong that the bridge knows.")


def panels_last_day(now: datetime) -> Section:
    """Each server: what keeps the bridge from it (a failed connection test, a pause), else
    its failed attempts and median panel call time over 24 hours."""
    since = now - timedelta(hours=24)
    failures = dict(
        Attempt.objects.filter(finished_at__gte=since)
        .exclude(outcome=Attempt.Outcome.SUCCEEDED)
        .values_list("operation__server_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    medians = median_latency_by_server(since)
    section = Section("Panels in the last 24 hours", empty="No server yet.")
    for server in Server.objects.order_by("name", "whmcs_id"):
        failed, median = failures.get(server.pk, 0), medians.get(server.pk)
        latency = f"median {median * 1000:,.0f} ms" if median is not None else "no call"
        trouble = server_pause_text(server, now) or (
            f"Last connection test failed: {server.last_test_message or 'failed'}"
            if server.last_test_ok is False
            else ""
        )
        section.rows.append(
            Row(
                str(server),
                trouble[:160] or f"{failed} failed attempts, {latency}",
                reverse("admin:provisioning_server_change", args=[server.pk])
                if trouble
                else _changelist(
                    "operation",
                    server__id__exact=server.pk,
                    created_at__gte=since.isoformat(timespec="seconds"),
                ),
                alert=bool(trouble or failed),
            )
        )
    return section


SECTIONS: list[Callable[[datetime], Section]] = [
    services_by_status,
    operations_last_day,
    panels_last_day,
    billing_suspended_panel_active,
    plan_changes_owed_section,
    accounts_left_behind,
    last_reconciliation,
    open_incidents,
]


def dashboard_sections(now: datetime | None = None) -> list[Section]:
    now = now or timezone.now()
    return [build(now) for build in SECTIONS]
