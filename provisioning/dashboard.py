"""What the admin index shows at a glance: a list of sections, each row a link.

Each section is one function of `now` in SECTIONS; a new section is one more line there."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from .debts import (
    accounts_left_behind_operations,
    suspensions_owed_operations,
)
from .models import Attempt, Incident, Operation, Server, Service
from .panel_access import server_pause_text
from .panel_metrics import median_latency_by_server
from .plan_changes import plan_changes_owed
from .reconcile import reconcile_last_report

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
    since = now - timedelta(hours=24)
    counts = dict(
        Operation.objects.filter(created_at__gte=since)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = []
    for state in (State.QUEUED, State.RUNNING, State.RETRYING, State.FAILED):
        count = counts.get(state, 0)
        url = _changelist(
            "operation", state__exact=state, created_at__gte=since.isoformat(timespec="seconds")
        )
        rows.append(
            Row(state.label.capitalize(), count, url, alert=state == State.FAILED and count)
        )
    return Section("Operations in the last 24 hours", rows)


def oldest_unfinished(now: datetime) -> Section:
    op = (
        Operation.objects.filter(state__in=Operation.UNFINISHED)
        .select_related("service", "server")
        .order_by("created_at", "id")
        .first()
    )
    section = Section("Oldest unfinished operation", empty="Every operation has finished.")
    if op is not None:
        target = op.service.domain if op.service else str(op.server)
        section.rows.append(
            Row(
                f"#{op.pk} {op.command} for {target} ({op.get_state_display()})",
                f"{timesince(op.created_at, now)} old",
                reverse("admin:provisioning_operation_change", args=[op.pk]),
                alert=now - op.created_at > timedelta(minutes=15),
            )
        )
    return section


def servers_failing(now: datetime) -> Section:
    failing = Server.objects.filter(last_test_ok=False)
    count, servers = failing.count(), list(failing.order_by("name")[:10])
    section = Section("Servers whose last connection test failed", empty="None.")
    if count:
        url = _changelist("server", last_test_ok__exact="0")
        section.rows.append(Row("Failing servers", count, url, alert=True))
    section.rows += [
        Row(
            str(server),
            (server.last_test_message or "failed")[:120],
            reverse("admin:provisioning_server_change", args=[server.pk]),
            alert=True,
        )
        for server in servers
    ]
    return section


def servers_paused(now: datetime) -> Section:
    """Panels the bridge does not call for now: a lock-out, or too many failed calls."""
    paused = list(Server.objects.filter(paused_until__gt=now).order_by("paused_until")[:10])
    section = Section("Servers the bridge waits for", empty="None.")
    section.rows += [
        Row(
            str(server),
            server_pause_text(server, now)[:160],
            reverse("admin:provisioning_server_change", args=[server.pk]),
            alert=True,
        )
        for server in paused
    ]
    return section


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
    owed = plan_changes_owed().select_related("service").order_by("id")
    count = owed.count()
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
        for op in owed[:10]
    ]
    return section


def accounts_left_behind(now: datetime) -> Section:
    left = accounts_left_behind_operations()
    count = left.count()
    section = Section("Accounts on a server the service left", empty="None.")
    if count:
        url = _changelist("operation", command__exact=Operation.Command.CREATE)
        section.rows.append(Row("Accounts to clean up by hand", count, url, alert=True))
    for op in left.select_related("service", "server").order_by("id")[:10]:
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
    counts = dict(
        Incident.objects.filter(resolved_at=None)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = [
        Row(label, counts[value], _changelist("incident", open="yes", kind__exact=value), True)
        for value, label in Incident.Kind.choices
        if counts.get(value)
    ]
    return Section("Open incidents", rows, empty="None: nothing is wrong that the bridge knows.")


def panels_last_day(now: datetime) -> Section:
    """Per server: failed attempts and the median panel call time over 24 hours."""
    since = now - timedelta(hours=24)
    failures = dict(
        Attempt.objects.filter(finished_at__gte=since)
        .exclude(outcome=Attempt.Outcome.SUCCEEDED)
        .values_list("operation__server_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    medians = median_latency_by_server(since)
    active = failures.keys() | medians.keys()
    section = Section("Panels in the last 24 hours", empty="No panel call in the last 24 hours.")
    if not active:
        return section
    for server in Server.objects.filter(pk__in=active).order_by("name", "whmcs_id"):
        failed = failures.get(server.pk, 0)
        median = medians.get(server.pk)
        latency = f"median {median * 1000:,.0f} ms" if median is not None else "no call"
        url = _changelist(
            "operation",
            server__id__exact=server.pk,
            created_at__gte=since.isoformat(timespec="seconds"),
        )
        section.rows.append(
            Row(str(server), f"{failed} failed attempts, {latency}", url, alert=bool(failed))
        )
    return section


SECTIONS: list[Callable[[datetime], Section]] = [
    services_by_status,
    operations_last_day,
    oldest_unfinished,
    servers_failing,
    servers_paused,
    billing_suspended_panel_active,
    plan_changes_owed_section,
    accounts_left_behind,
    last_reconciliation,
    open_incidents,
    panels_last_day,
]


def dashboard_sections(now: datetime | None = None) -> list[Section]:
    now = now or timezone.now()
    return [build(now) for build in SECTIONS]
