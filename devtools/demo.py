"""The `make run` demo: a bridge and a panel that look lived in.

A dozen services across plans and states, each with the journal of what happened to it
(one create refused by the panel, one suspension still owed), 30 days of usage history,
and the demo panel seeded to agree with the bridge through its control API. The last
reconciliation and today's usage import are real runs against that panel
(`demo_catch_up`)."""

from datetime import datetime, timedelta

import requests
from django.db import transaction
from django.utils import timezone

from provisioning.admin.service_actions import server_usage_import
from provisioning.clientarea.chart import HISTORY_DAYS
from provisioning.domains import domain_normalize
from provisioning.models import (
    Attempt,
    Client,
    Operation,
    Product,
    ReconcileReport,
    Server,
    Service,
)
from provisioning.models import UsageSample as Sample
from provisioning.operations.reconcile import reconcile_run

from .demo_accounts import (
    DEMO_ACCOUNTS,
    DEMO_PLANS,
    DEMO_PRODUCTS,
    DEMO_RESELLER,
    PANEL_ONLY,
    DemoAccount,
    demo_figures,
)

Command, State = Operation.Command, Operation.State
GOLD_REFUSAL = "KaziWhmcs: The 'Gold' hosting plan doesn't exists"
OWED_ANSWER = "An unexpected error occurred: SQLSTATE[HY000] [2002] Connection refused"


def demo_server(panel_host: str) -> Server:
    """The WHMCS server of the demo panel and the products sold on it."""
    server, _ = Server.objects.update_or_create(
        whmcs_id=1,
        defaults={
            "name": "Demo panel (emulator)",
            "hostname": panel_host,
            "secure": False,
            "reseller_username": DEMO_RESELLER[0],
            "reseller_password": DEMO_RESELLER[1],
        },
    )
    for plan, (whmcs_id, name) in DEMO_PRODUCTS.items():
        Product.objects.get_or_create(whmcs_id=whmcs_id, defaults={"name": name, "plan_name": plan})
    return server


def _summary(service: Service, command: str) -> dict:
    """The request summary the journal keeps (secrets as ***), as the bridge writes it."""
    summary = {
        "server": service.server.host,
        "reseller": service.server.reseller_username,
        "domain": service.domain,
        "login": service.domain_ascii,
        "serviceid": service.whmcs_id,
    }
    if command == Command.CREATE:
        summary.update(plan=service.product.plan_name, email=service.client.email)
        summary["password"] = "***"
    return summary


def _journal(service: Service, command: str, when: datetime, state: str, answer: str) -> None:
    """One operation with one attempt, as the worker would have left it."""
    op = Operation.objects.create(
        command=command,
        server=service.server,
        service=service,
        state=state,
        attempts=1,
        result=answer,
        request=_summary(service, command),
        source=Operation.Source.WEBHOOK,
        created_at=when,
        started_at=when,
        finished_at=None if state == State.RETRYING else when + timedelta(seconds=2),
        next_attempt_at=when + timedelta(minutes=30) if state == State.RETRYING else None,
        updated_at=when,
    )
    outcome = {
        State.SUCCEEDED: Attempt.Outcome.SUCCEEDED,
        State.FAILED: Attempt.Outcome.PERMANENT,
    }.get(state, Attempt.Outcome.TRANSIENT)
    Attempt.objects.create(
        operation=op,
        number=1,
        started_at=when,
        finished_at=when + timedelta(seconds=2),
        outcome=outcome,
        answer=answer,
    )


def _history(service: Service, account: DemoAccount, now: datetime) -> None:
    created = now - timedelta(days=account.age_days, hours=3)
    if account.story == "failed":
        _journal(service, Command.CREATE, now - timedelta(hours=1), State.FAILED, GOLD_REFUSAL)
        return
    if account.status == Service.Status.CANCELLED:
        return  # cancelled in WHMCS before it was ever set up
    _journal(service, Command.CREATE, created, State.SUCCEEDED, "success")
    if account.story == "suspended":
        _journal(service, Command.SUSPEND, now - timedelta(days=9), State.SUCCEEDED, "success")
    if account.story == "terminated":
        _journal(service, Command.TERMINATE, now - timedelta(days=20), State.SUCCEEDED, "success")
    if account.story == "owed":
        _journal(service, Command.SUSPEND, now - timedelta(minutes=5), State.RETRYING, OWED_ANSWER)


def demo_bridge_seed(server: Server, now: datetime) -> int:
    """The demo's clients, services and their journals (once), and the usage history of
    the last days that have none yet; returns how many services were new."""
    products = {
        plan: Product.objects.get(whmcs_id=whmcs_id)
        for plan, (whmcs_id, _) in DEMO_PRODUCTS.items()
    }
    new = 0
    for account in DEMO_ACCOUNTS:
        with transaction.atomic():
            first, last = account.client.split(" ", 1)
            client, _ = Client.objects.get_or_create(
                whmcs_id=account.serviceid,
                defaults={"firstname": first, "lastname": last, "email": account.email},
            )
            disk_limit, bw_limit = DEMO_PLANS.get(account.plan, (None, None))
            service, created = Service.objects.get_or_create(
                whmcs_id=account.serviceid,
                defaults={
                    "client": client,
                    "product": products[account.plan],
                    "server": server,
                    "domain": account.domain,
                    "domain_ascii": domain_normalize(account.domain)[1],
                    "username": account.domain,
                    "password": account.password,
                    "status": account.status,
                    "on_panel": account.on_panel,
                    "disk_limit": disk_limit if account.on_panel else None,
                    "bw_limit": bw_limit if account.on_panel else None,
                },
            )
            if created:
                new += 1
                _history(service, account, now)
    demo_history_backfill(now)
    return new


def demo_history_backfill(now: datetime) -> int:
    """Samples for the last HISTORY_DAYS days before today (today's comes from the real
    import) where the demo services on the panel have none; returns how many."""
    today = timezone.localdate(now)
    ages = {a.serviceid: a.age_days for a in DEMO_ACCOUNTS}
    samples = [
        Sample(service=service, day=day, disk_usage=disk, bw_usage=bw)
        for service in Service.objects.filter(whmcs_id__in=ages, on_panel=True)
        for back in range(1, min(HISTORY_DAYS, ages[service.whmcs_id] + 1))
        for day in [today - timedelta(days=back)]
        for disk, bw in [demo_figures(service.domain, day)]
    ]
    return len(Sample.objects.bulk_create(samples, ignore_conflicts=True))


def demo_panel_payload(server: Server, today) -> dict:
    """The emulator's seed (its /_emulator/seed body): every account the bridge believes
    on this panel, with its password and state, the demo's panel-only account, and
    today's figures of all of them."""
    customers = [
        {
            "domain": service.domain,
            "plan": service.product.plan_name,
            "password": service.password,
            "email": service.client.email or "customer@example.net",
            "customer_id": f"whmcs_{service.client.whmcs_id}",
            "status": "ok" if service.status == Service.Status.ACTIVE else "disabled",
        }
        for service in Service.objects.filter(
            server=server,
            on_panel=True,
            status__in=(Service.Status.ACTIVE, Service.Status.SUSPENDED),
        ).select_related("product", "client")
    ]
    customers.append({"domain": PANEL_ONLY.domain, "plan": PANEL_ONLY.plan})
    return {"customers": customers, "usage": demo_panel_usage(customers, today)["usage"]}


def demo_panel_usage(customers: list[dict], today) -> dict:
    """The control API's body that sets the panel's figures of `today` (bytes)."""
    usage = []
    for customer in customers:
        disk, bw = demo_figures(customer["domain"], today)
        usage.append(
            {"domain": customer["domain"], "disk_bytes": disk * 10**6, "bw_bytes": bw * 10**6}
        )
    return {"usage": usage}


def demo_panel_seed(panel_url: str, server: Server, today) -> list[dict]:
    """Seed the running demo panel to agree with the bridge; returns its customers."""
    payload = demo_panel_payload(server, today)
    response = requests.post(f"{panel_url}/_emulator/seed", json=payload, timeout=10)
    response.raise_for_status()
    return payload["customers"]


def demo_panel_day(panel_url: str, customers: list[dict], today) -> None:
    """Move the panel's figures to `today`'s (the demo calls it when the date changes)."""
    body = demo_panel_usage(customers, today)
    requests.post(f"{panel_url}/_emulator/seed", json=body, timeout=10).raise_for_status()


def demo_catch_up(server: Server) -> tuple[Operation, ReconcileReport]:
    """Today's usage import (queued for the worker) and a reconciliation (run now)."""
    op, _ = server_usage_import(server, requested_by="demo start-up")
    report = reconcile_run(server_id=server.whmcs_id, requested_by="demo start-up")
    return op, report
