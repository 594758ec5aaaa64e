"""The panel client against the emulator over HTTP: fields, answers, error kinds."""

import pytest
from django.test import override_settings

from provisioning.panels.imscp import client as panel_client
from provisioning.panels.imscp.answers import answer_check, usage_parse
from provisioning.panels.imscp.errors import (
    PanelLockedOut,
    PanelLoginRefused,
    PanelPermanentError,
    PanelTransientError,
    PanelUsageUnsupported,
)
from tests.factories import RESELLER, RESELLER_PASSWORD, ServerFactory


@pytest.fixture
def target(panel):
    return panel_client.PanelTarget(
        base_url=panel.url,
        endpoint_path="/kaziwhmcs",
        reseller_name=RESELLER,
        reseller_pass=RESELLER_PASSWORD,
    )


def account(domain="shop.example.com", password="Good-pass-1", plan="Basic"):
    return panel_client.NewAccount(
        plan=plan,
        domain=domain,
        password=password,
        email="owner@example.com",
        customer_id="whmcs_7",
        contact={"fname": "Ada", "lname": "Lovelace", "city": "London", "street2": ""},
    )


def test_create_sends_the_domain_as_the_login(target, panel):
    panel_client.create(target, account())
    (request,) = panel.state.requests_for("create")
    fields = request["fields"]
    assert fields["admin_name"] == fields["domain"] == "shop.example.com"
    assert fields["admin_pass"] == "***" and fields["reseller_pass"] == "***"
    assert (fields["hp_name"], fields["customer_id"], fields["fname"]) == (
        "Basic",
        "whmcs_7",
        "Ada",
    )
    assert "street2" not in fields, "empty optional fields are not sent"
    assert panel.state.customer("shop.example.com")["password"] == "Good-pass-1"


def test_the_panels_refusal_is_permanent_and_verbatim(target):
    panel_client.create(target, account())
    with pytest.raises(PanelPermanentError) as refused:
        panel_client.create(target, account())
    assert (
        refused.value.message
        == "KaziWhmcs: Domain 'shop.example.com' already exists or is not allowed"
    )


def test_an_idn_is_sent_in_ascii_and_echoed_in_unicode(target, panel):
    panel_client.create(target, account(domain="xn--bcher-kva.example"))
    assert panel.state.customer("bücher.example") is not None
    with pytest.raises(PanelPermanentError, match="Domain 'bücher.example' already exists"):
        panel_client.create(target, account(domain="xn--bcher-kva.example"))


def test_suspend_unsuspend_terminate_and_changepw(target, panel):
    panel_client.create(target, account())
    panel_client.suspend(target, "shop.example.com")
    assert panel.state.customer("shop.example.com")["settled_status"] == "disabled"
    panel_client.suspend(target, "shop.example.com")  # idempotent on the panel
    panel_client.unsuspend(target, "shop.example.com")
    assert panel.state.customer("shop.example.com")["settled_status"] == "ok"
    panel_client.changepw(target, "shop.example.com", "Other-pass-2")
    assert panel.state.customer("shop.example.com")["password"] == "Other-pass-2"
    panel_client.terminate(target, "shop.example.com")
    assert panel.state.customer("shop.example.com")["status"] == "todelete"


def test_usageupdate_reads_the_serialized_list(target, panel):
    assert panel_client.usageupdate(target) == [], "`success` when the reseller has no customer"
    panel_client.create(target, account(domain="bücher.example"))
    panel.state.set_usage("bücher.example", disk_bytes=1_500_000, bw_bytes=0)
    (entry,) = panel_client.usageupdate(target)
    assert (entry.domain, entry.diskusage, entry.bwusage) == ("bücher.example", 2, 0)
    assert isinstance(entry.disklimit, int)


def test_a_panel_that_cannot_report_usage_says_so(target, panel):
    panel.state.add_fault("usage_unsupported")
    with pytest.raises(PanelUsageUnsupported, match="cannot report usage"):
        panel_client.usageupdate(target)


def test_the_connection_test_logs_in_without_acting(target, panel):
    panel_client.connection_test(target)
    bad = panel_client.PanelTarget(panel.url, "/kaziwhmcs", RESELLER, "wrong")
    with pytest.raises(PanelPermanentError, match="^KaziWhmcs: Bad password.$"):
        panel_client.connection_test(bad)
    assert not panel.state.customers


@pytest.mark.parametrize(
    "fault, unknown",
    [("http500", True), ("garbage", True), ("drop", True)],
)
def test_transient_failures_of_a_create_leave_the_outcome_unknown(target, panel, fault, unknown):
    panel.state.add_fault(fault, count=1)
    with pytest.raises(PanelTransientError) as failed:
        panel_client.create(target, account())
    assert failed.value.outcome_unknown is unknown


def test_a_refused_connection_is_transient_and_known_not_sent():
    target = panel_client.PanelTarget("http://127.0.0.1:9", "/kaziwhmcs", "r", "p")
    with pytest.raises(PanelTransientError) as failed:
        panel_client.suspend(target, "shop.example.com")
    assert failed.value.outcome_unknown is False


@override_settings(PANEL_READ_TIMEOUT=0.2)
def test_an_answer_slower_than_the_read_timeout_is_transient(target, panel):
    panel.state.add_fault("delay", seconds=0.6, count=1)
    with pytest.raises(PanelTransientError, match="did not answer within 0.2 s") as failed:
        panel_client.suspend(target, "shop.example.com")
    assert failed.value.outcome_unknown is True


def test_calls_reuse_one_keep_alive_connection(target, panel):
    panel_client.connection_test(target)
    pool = panel_client._session.get_adapter(panel.url).poolmanager.connection_from_url(panel.url)
    opened = pool.num_connections
    for _ in range(5):
        panel_client.connection_test(target)
    assert pool.num_connections == opened


@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostname, ip, port, secure, expected",
    [
        ("panel.example.net", "", None, True, "https://panel.example.net"),
        ("panel.example.net:4433", "", None, True, "https://panel.example.net:4433"),
        ("panel.example.net", "", 8080, False, "http://panel.example.net:8080"),
        ("panel.example.net:4433", "", 8080, True, "https://panel.example.net:4433"),
        ("", "192.0.2.7:8443", None, True, "https://192.0.2.7:8443"),
        ("", "192.0.2.7", None, False, "http://192.0.2.7"),
        ("2001:db8::7", "", 2083, True, "https://[2001:db8::7]:2083"),
        ("[2001:db8::7]:2087", "", 2083, True, "https://[2001:db8::7]:2087"),
    ],
)
def test_the_panel_url_follows_whmcs_host_port_and_secure(hostname, ip, port, secure, expected):
    server = ServerFactory.build(hostname=hostname, ip_address=ip, port=port, secure=secure)
    assert panel_client.panel_base_url(server) == expected


@pytest.mark.parametrize(
    "status, body, kind",
    [
        (200, "success", None),
        (200, "KaziWhmcs: Unknown username.", PanelLoginRefused),
        (
            200,
            "KaziWhmcs: The username field is empty. - The password field is empty.",
            PanelLoginRefused,
        ),
        (
            200,
            "KaziWhmcs: Wrong user type. Only resellers can use the KaziWhmcs API",
            PanelPermanentError,
        ),
        (200, "KaziWhmcs: Ip 10.0.0.1 is waiting 05:00 seconds.", PanelLockedOut),
        (200, "KaziWhmcs: 10.0.0.1 IP address is waiting 04:59 seconds.", PanelLockedOut),
        (200, "KaziWhmcs: Ip 10.0.0.1 is blocked for 29:59 minutes.", PanelLockedOut),
        (200, "KaziWhmcs: 10.0.0.1 IP address is blocked for 30:00 minutes.", PanelLockedOut),
        (
            200,
            "KaziWhmcs: 'Ip a is waiting 00:30 seconds.' is not a valid password",
            PanelPermanentError,
        ),
        (400, "Bad request", PanelPermanentError),
        (500, "An unexpected error occurred: boom", PanelTransientError),
        (502, "<html>Bad gateway</html>", PanelTransientError),
        (200, "<html>proxy</html>", PanelTransientError),
    ],
)
def test_answers_are_classified_as_the_protocol_says(status, body, kind):
    if kind is None:
        answer_check("suspend", status, body)
        return
    with pytest.raises(kind) as raised:
        answer_check("suspend", status, body)
    assert type(raised.value) is kind


@pytest.mark.parametrize(
    ("body", "seconds"),
    [
        ("KaziWhmcs: Ip 10.0.0.1 is waiting 00:27 seconds.", 27),
        ("KaziWhmcs: 10.0.0.1 IP address is blocked for 29:45 minutes.", 29 * 60 + 45),
    ],
)
def test_a_lock_out_names_how_long_it_lasts(body, seconds):
    with pytest.raises(PanelLockedOut) as raised:
        answer_check("suspend", 200, body)
    assert (raised.value.seconds, raised.value.message) == (seconds, body)


def test_an_unreadable_usage_list_is_transient():
    with pytest.raises(PanelTransientError, match="Unreadable usage list"):
        usage_parse(200, 'a:1:{i:0;O:8:"stdClass":0:{}}')
