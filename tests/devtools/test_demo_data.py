"""The `make run` demo looks lived in: states, plans, history, a failure, a debt, a report."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from devtools.demo import GOLD_REFUSAL, demo_bridge_seed, demo_panel_day, demo_server
from devtools.demo_accounts import DEMO_ACCOUNTS, PANEL_ONLY, demo_figures
from provisioning.models import Operation, Service, UsageSample
from provisioning.operations.debts import suspensions_owed
from provisioning.operations.reconcile import reconcile_last_report

pytestmark = pytest.mark.django_db


def test_a_dozen_services_across_states_and_plans(demo):
    services = Service.objects.filter(server=demo)
    assert services.count() == 12
    assert Counter(services.values_list("status", flat=True)) == {
        "active": 8,
        "suspended": 1,
        "terminated": 1,
        "pending": 1,
        "cancelled": 1,
    }
    assert set(services.values_list("product__plan_name", flat=True)) == {"Basic", "Pro", "Gold"}


def test_one_create_failed_with_the_panels_text(demo):
    failed = Operation.objects.get(state=Operation.State.FAILED)
    assert failed.command == Operation.Command.CREATE
    assert failed.result == GOLD_REFUSAL == "KaziWhmcs: The 'Gold' hosting plan doesn't exists"
    assert failed.attempt_set.get().answer == GOLD_REFUSAL


def test_one_suspension_is_owed(demo):
    owed = suspensions_owed()
    assert [o.service.domain for o in owed] == ["late-payer.example.com"]
    assert owed[0].operation.state == Operation.State.RETRYING


def test_the_last_reconciliation_ran_against_the_panel_and_found_its_own_account(demo):
    report = reconcile_last_report()
    assert report is not None
    server = report.report["servers"][0]
    assert server["error"] == "" and server["degraded"] == ""
    assert server["panel_only"] == [PANEL_ONLY.domain]
    assert server["listed"] == 10  # 8 active and 1 suspended account, and the panel's own
    assert report.report["totals"]["mismatches"] == 0


def test_every_account_on_the_panel_has_30_days_of_history_and_todays_import(demo):
    today = timezone.localdate()
    long_lived = Service.objects.get(whmcs_id=101)
    days = list(long_lived.usage_samples.order_by("day").values_list("day", flat=True))
    assert days == [today - timedelta(days=n) for n in range(29, -1, -1)]
    newcomer = Service.objects.get(domain="hôtel-du-lac.example")  # created 12 days ago
    assert newcomer.usage_samples.count() == 13
    # Today's sample comes from the panel, through the real import: the same figures.
    disk, bw = demo_figures(long_lived.domain, today)
    long_lived.refresh_from_db()
    assert (long_lived.disk_usage, long_lived.bw_usage) == (disk, bw)
    assert (long_lived.disk_limit, long_lived.bw_limit) == (10_000, 100_000)
    assert not UsageSample.objects.filter(service__status__in=["terminated", "pending"]).exists()


def test_seeding_again_adds_nothing_but_missing_days(demo):
    later = timezone.now() + timedelta(days=3)
    before = UsageSample.objects.count()
    assert demo_bridge_seed(demo_server(demo.host), later) == 0
    assert Operation.objects.filter(command="CreateAccount").count() == 11
    # Three days later: the 9 accounts on the panel get the two days since today.
    assert UsageSample.objects.count() - before == 9 * 2
    newest = UsageSample.objects.order_by("-day").values_list("day", flat=True).first()
    assert newest == timezone.localdate(later) - timedelta(days=1)


def test_the_figures_move_day_by_day_and_bandwidth_starts_again_each_month():
    domain = DEMO_ACCOUNTS[0].domain
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(40)]
    figures = [demo_figures(domain, day) for day in days]
    assert len({disk for disk, _ in figures}) > 20
    bandwidth = [bw for _, bw in figures]
    assert all(a < b for a, b in zip(bandwidth[:30], bandwidth[1:31], strict=True))  # March
    assert bandwidth[31] < bandwidth[30]  # 1 April
    assert demo_figures(domain, days[5]) == figures[5]  # a function of the day alone


def test_the_panels_figures_follow_the_date(demo, panel_server):
    customers = [{"domain": a.domain} for a in DEMO_ACCOUNTS if a.on_panel]
    tomorrow = timezone.localdate() + timedelta(days=1)
    demo_panel_day(panel_server.url, customers, tomorrow)
    disk, bw = demo_figures(DEMO_ACCOUNTS[0].domain, tomorrow)
    customer = panel_server.state.customer(DEMO_ACCOUNTS[0].domain)
    assert (customer.disk_bytes, customer.bw_bytes) == (disk * 10**6, bw * 10**6)


def test_the_panel_agrees_with_the_bridge(demo, panel_server):
    state = panel_server.state
    assert state.customer("café-central.example")["status"] == "disabled"
    assert state.customer("shop.example.com")["status"] == "ok"
    assert state.customer("shop.example.com")["password"] == "Demo-102-pass"
    assert state.customer("old-forum.example.net") is None
    assert state.customer("new-client.example.com") is None


def test_demo_times_are_in_the_past(demo):
    now = datetime.now(UTC)
    assert not Operation.objects.filter(created_at__gt=now).exists()
