"""Reconciliation: drift between the bridge and the panel, reported, stored and fixed."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from provisioning.models import Operation, ReconcileReport, Service
from provisioning.operations.reconcile import (
    drift_fix,
    reconcile_last_report,
    reconcile_run,
    server_compare,
)
from provisioning.operations.worker import operation_run
from provisioning.schedules import SCHEDULES
from tests.factories import ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

PASSWORD = "Client-pass-123"


def on_panel(server, panel, domain, status="active", panel_status="ok", **kwargs):
    service = ServiceFactory(
        server=server, domain=domain, domain_ascii=domain, status=status, **kwargs
    )
    Service.objects.filter(pk=service.pk).update(on_panel=True)
    panel.state.seed_customer(domain, reseller="reseller1", password=PASSWORD, status=panel_status)
    return service


@pytest.fixture
def drift(server, panel):
    """One account of each kind of drift the panel's list can show, and one in agreement."""
    on_panel(server, panel, "fine.example.com")
    on_panel(server, panel, "owed.example.com", status="suspended", panel_status="ok")
    on_panel(server, panel, "stuck.example.com", status="active", panel_status="disabled")
    panel.state.seed_customer("stray.example.com", reseller="reseller1")


def test_it_reports_each_kind_of_drift_and_stores_the_report(drift, server, capsys):
    call_command("reconcile")
    out, err = capsys.readouterr()
    assert "panel only:     stray.example.com" in out
    assert "state mismatch: owed.example.com" in out and "bridge suspended, panel active" in out
    assert "state mismatch: stuck.example.com" in out and "bridge active, panel not usable" in out
    assert "fine.example.com" not in out
    assert "[##############################] 3/3" in err, "a progress bar"

    report = reconcile_last_report()
    assert report.fixed is False
    assert report.report["totals"] == {
        "servers": 1,
        "servers_not_compared": 0,
        "panel_only": 1,
        "bridge_only": 0,
        "mismatches": 2,
        "fixes": 0,
        "not_fixed": 0,
    }
    assert not Operation.objects.exists(), "report mode queues nothing"


def test_fix_queues_the_corrective_operations_through_the_journal(drift, server, panel):
    report = reconcile_run(fix=True, requested_by="test")
    queued = {
        (op.service.domain, op.command): op for op in Operation.objects.select_related("service")
    }
    assert set(queued) == {
        ("owed.example.com", "SuspendAccount"),
        ("stuck.example.com", "UnsuspendAccount"),
    }
    assert report.report["totals"]["fixes"] == 2
    assert all(op.requested_by == "reconcile --fix" for op in queued.values())
    for op in queued.values():
        assert operation_run(op.pk) == "succeeded"
    assert panel.state.customer("owed.example.com")["settled_status"] == "disabled"
    assert panel.state.customer("stuck.example.com")["settled_status"] == "ok"
    assert panel.state.customer("stray.example.com") is not None, "never deleted"

    panel.state.daemon_catch_up()  # the next run, once the panel's daemon has acted
    again = reconcile_run()
    assert again.report["totals"]["mismatches"] == 0


def test_a_list_that_lacks_the_bridges_accounts_is_reported_and_nothing_fixed(drift, server, panel):
    on_panel(server, panel, "gone.example.com")
    panel.state.customers.pop("gone.example.com")
    panel.state.logins.pop("gone.example.com")
    report = reconcile_run(fix=True)
    (compared,) = report.report["servers"]
    assert [row["domain"] for row in compared["bridge_only"]] == ["gone.example.com"]
    assert compared["degraded"].startswith(
        "the panel's account list lacks 1 account(s) the bridge made there (gone.example.com)"
    )
    assert compared["panel_only"] == [] and compared["mismatches"] == []
    assert not Operation.objects.exists(), "an untrusted list re-creates nothing"


def test_a_list_naming_other_customers_is_not_trusted(server, panel):
    """KaziWhmcs 1.0.0 on i-MSCP 1.2.3+: the list parses, but by the wrong ids."""
    panel.state.seed_reseller("reseller2", "reseller2-pass")
    panel.state.seed_customer("other.example.com", reseller="reseller2", password="Theirs-123")
    on_panel(server, panel, "mine.example.com")
    panel.state.configure(usage_list_by_domain_id=True)
    report = reconcile_run(fix=True)
    (compared,) = report.report["servers"]
    assert "other.example.com" not in compared["panel_only"]
    assert "lacks 1 account(s) the bridge made there (mine.example.com)" in compared["degraded"]
    assert not Operation.objects.exists()


def test_accounts_without_a_password_are_never_logged_in_to(server, panel):
    imported = on_panel(server, panel, "imported.example.com", password="")
    report = reconcile_run()
    (compared,) = report.report["servers"]
    assert "states not read for 1 account(s) without a password" in compared["degraded"]
    assert imported.domain in compared["degraded"]
    assert panel.state.login_log == [] or all(
        entry["name"] != "imported.example.com" for entry in panel.state.login_log
    )


def test_fix_rechecks_each_service_and_leaves_what_changed_since_the_comparison(
    drift, server, panel
):
    compared = server_compare(server)
    # Meanwhile a termination of the owed account finishes, and a suspend of the stuck one
    # is queued.
    owed = Service.objects.get(domain="owed.example.com")
    terminate = queued("TerminateAccount", owed)
    assert operation_run(terminate.pk) == "succeeded"
    stuck = Service.objects.get(domain="stuck.example.com")
    suspend = queued("SuspendAccount", stuck, source="admin")

    assert drift_fix(compared) == []

    assert set(Operation.objects.values_list("pk", flat=True)) == {terminate.pk, suspend.pk}
    owed.refresh_from_db()
    assert (owed.status, owed.on_panel) == ("terminated", False), "not brought back"
    assert {(row["domain"], row["why"]) for row in compared.not_fixed} == {
        ("owed.example.com", "the service changed since compared"),
        ("stuck.example.com", "an operation is pending"),
    }


def test_a_panel_that_cannot_list_accounts_is_reported_as_not_compared(drift, panel, capsys):
    panel.state.add_fault("usage_unsupported")
    call_command("reconcile", "--fix")
    out = capsys.readouterr().out
    assert "NOT COMPARED: this panel cannot list accounts" in out
    assert "1 of 1 server(s) not compared" in out
    assert not Operation.objects.exists()


def test_an_unreachable_panel_is_reported_not_guessed(server, panel):
    server.hostname = "127.0.0.1:1"
    server.save()
    report = reconcile_run()
    assert report.report["servers"][0]["error"].startswith("the panel's account list could not")


def test_one_server_can_be_chosen_and_an_unknown_one_is_refused(drift, server):
    call_command("reconcile", "--server", str(server.whmcs_id))
    with pytest.raises(CommandError, match="no server with WHMCS id 999999"):
        call_command("reconcile", "--server", "999999")
    assert ReconcileReport.objects.count() == 1


def test_the_daily_schedule_runs_it_in_report_mode(drift):
    from provisioning import tasks

    assert SCHEDULES["kaziwhmcs: daily reconciliation report"][:2] == (
        "provisioning.tasks.reconcile_report",
        "D",
    )
    report_id = tasks.reconcile_report()
    assert reconcile_last_report().pk == report_id
    assert not Operation.objects.exists()
