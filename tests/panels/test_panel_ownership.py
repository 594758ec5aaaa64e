"""The bridge acts only on accounts it can show are the service's, and adopts only what
is provably the service's own (the panel checks no ownership of its own)."""

import pytest

from provisioning.admin.service_actions import services_ownership_confirm
from provisioning.models import Operation, Service
from provisioning.operations.accepting import operation_retry
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory, bridge_account
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

PASSWORD = "Service-pass-1"


@pytest.fixture
def service(server, panel):
    bridge_account(server, panel)  # a list to check: the reseller's can then be trusted
    return ServiceFactory(
        server=server,
        domain="taken.example.com",
        domain_ascii="taken.example.com",
        password=PASSWORD,
    )


@pytest.fixture
def theirs(panel):
    """The domain belongs to another reseller's customer, with another password."""
    panel.state.seed_reseller("reseller2", "reseller2-pass")
    return panel.state.seed_customer(
        "taken.example.com", reseller="reseller2", password="Their-own-pass"
    )


@pytest.fixture(params=["listed", "no list"])
def listing(request, panel):
    if request.param == "no list":
        panel.state.add_fault("usage_unsupported")  # KaziWhmcs 1.0.0 on i-MSCP 1.2.3+
    return request.param


def test_another_resellers_account_is_never_suspended_or_terminated(
    service, theirs, panel, listing
):
    create = queued("CreateAccount", service)
    assert operation_run(create.pk) == "failed"
    create.refresh_from_db()
    assert "so it belongs to someone else" in create.result or (
        "the service's password does not open it" in create.result
    )
    suspend = queued("SuspendAccount", service)
    assert operation_run(suspend.pk) == "failed"
    suspend.refresh_from_db()
    assert "was not sent to the panel" in suspend.result
    assert "confirm its ownership" in suspend.result
    terminate = queued("TerminateAccount", service)
    if listing == "listed":
        # Never created here, and a list that lacks none of the bridge's accounts lacks it.
        assert operation_run(terminate.pk) == "succeeded"
        terminate.refresh_from_db()
        assert terminate.request["note"].startswith("nothing to terminate")
    else:
        assert operation_run(terminate.pk) == "failed"
        terminate.refresh_from_db()
        assert "was not sent to the panel" in terminate.result
    assert panel.state.customer("taken.example.com")["status"] == "ok", "untouched"
    assert panel.state.requests_for("suspend") == panel.state.requests_for("terminate") == []
    assert panel.state.login_records == {}, "the failed logins were cleared"


def test_with_a_list_the_refusal_needs_no_customer_login(service, theirs, panel):
    op = queued("CreateAccount", service)
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    assert op.result == (
        "KaziWhmcs: Domain 'taken.example.com' already exists or is not allowed: it is not "
        "an account of reseller 'reseller1', so it belongs to someone else. Nothing was "
        "created or changed."
    )
    assert list(panel.state.login_log) == []


def test_its_own_account_is_adopted_on_create(service, panel, listing):
    panel.state.seed_customer("taken.example.com", reseller="reseller1", password=PASSWORD)
    op = queued("CreateAccount", service)
    assert operation_run(op.pk) == "succeeded"
    op.refresh_from_db()
    assert op.request["note"].startswith("adopted: the account was already on the panel")
    service.refresh_from_db()
    assert (service.status, service.on_panel) == ("active", True)
    assert panel.state.requests_for("create")[0]["answer"].endswith("is not allowed")
    assert panel.state.login_records == {}


def test_a_listed_account_with_another_password_is_never_adopted(service, panel):
    """Another customer of the same reseller: the list alone would hand it over."""
    panel.state.seed_customer("taken.example.com", reseller="reseller1", password="Other-pass")
    op = queued("CreateAccount", service)
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    assert "reseller 'reseller1' holds it for another customer" in op.result
    assert not Service.objects.get(pk=service.pk).on_panel


def test_an_admin_retry_of_the_create_checks_again(service, theirs, panel):
    op = queued("CreateAccount", service)
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    panel.state.customers.pop("taken.example.com")
    panel.state.logins.pop("taken.example.com")
    retry, created = operation_retry(op, source="admin", requested_by="admin")
    assert created and operation_run(retry.pk) == "succeeded"
    assert panel.state.customer("taken.example.com")["reseller"] == "reseller1"


def test_without_a_list_the_services_password_shows_ownership(service, panel):
    panel.state.add_fault("usage_unsupported")
    panel.state.seed_customer("taken.example.com", reseller="reseller1", password=PASSWORD)
    op = queued("SuspendAccount", service)
    assert operation_run(op.pk) == "succeeded"
    op.refresh_from_db()
    assert op.request["note"].startswith("ownership verified by the service's password")
    assert panel.state.customer("taken.example.com")["settled_status"] == "disabled"


def test_a_list_that_lacks_the_bridges_accounts_proves_nothing(server, service, panel):
    """KaziWhmcs 1.0.0 on i-MSCP 1.2.3+: the list parses but names others by wrong ids."""
    panel.state.seed_reseller("reseller2", "reseller2-pass")
    made = ServiceFactory(
        server=server,
        domain="made.example.com",
        domain_ascii="made.example.com",
        status="active",
        on_panel=True,
    )
    panel.state.seed_customer(made.domain, reseller="reseller1")
    panel.state.seed_customer("taken.example.com", reseller="reseller1", password="Other-pass")
    panel.state.configure(usage_list_by_domain_id=True)
    op = queued("SuspendAccount", service)
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    assert "lacks 1 account(s) the bridge made there (made.example.com)" in op.result
    assert panel.state.customer("taken.example.com")["status"] == "ok"


def test_an_admin_confirms_ownership_and_the_retry_acts(service, panel, admin_user):
    panel.state.add_fault("usage_unsupported")
    panel.state.seed_customer("taken.example.com", reseller="reseller1", password="Other-pass")
    op = queued("SuspendAccount", service)
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    services_ownership_confirm(Service.objects.filter(pk=service.pk), requested_by="admin")
    journal = Operation.objects.get(command="ConfirmOwnership")
    assert (journal.state, journal.requested_by, journal.service_id) == (
        "succeeded",
        "admin",
        service.pk,
    )
    retry, _ = operation_retry(op, source="admin", requested_by="admin")
    assert operation_run(retry.pk) == "succeeded"
    assert panel.state.customer("taken.example.com")["settled_status"] == "disabled"


def test_the_admin_action_asks_before_confirming(admin_client, service):
    url = "/admin/provisioning/service/"
    form = {"action": "confirm_ownership", "_selected_action": [service.pk]}
    page = admin_client.post(url, form)
    assert b"Confirm only accounts you have checked on the panel" in page.content
    assert not Service.objects.get(pk=service.pk).on_panel
    admin_client.post(url, {**form, "confirmed": "yes"})
    assert Service.objects.get(pk=service.pk).on_panel
