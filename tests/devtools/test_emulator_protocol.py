"""The emulator speaks the KaziWhmcs protocol exactly (the shared KaziWhmcs protocol notes)."""

import gzip
import socket

import pytest
import requests

from tests.panel_fixtures import CREATE, plugin_create, plugin_post


def answer(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.text


# --- transport ---------------------------------------------------------------------------


def test_answers_are_html_text_with_a_session_cookie(panel):
    response = plugin_post(panel, "usageupdate")
    assert answer(response) == (200, "success")
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert "iMSCP_Session=" in response.headers["Set-Cookie"]


def test_answers_are_gzipped_only_when_accepted(panel):
    url = f"{panel.url}{panel.endpoint}"
    data = {"reseller_name": "reseller1", "reseller_pass": "reseller-secret-1", "action": "x"}
    zipped = requests.post(
        url, data=data, headers={"Accept-Encoding": "gzip, deflate"}, stream=True
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.raw.read()) == b"Bad request"
    plain = requests.post(url, data=data, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.content == b"Bad request"
    refused = requests.post(url, data=data, headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_one_connection_carries_many_requests(panel):
    with requests.Session() as session:
        for _ in range(3):
            assert plugin_post(panel, "usageupdate", session=session).text == "success"
    peers = {entry["peer"] for entry in panel.state.requests}
    assert len(peers) == 1


def test_a_raw_http11_client_gets_a_content_length(panel):
    body = b"action=usageupdate&reseller_name=reseller1&reseller_pass=reseller-secret-1"
    request = (
        f"POST {panel.endpoint} HTTP/1.1\r\nHost: {panel.host_port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    host, port = panel.host_port.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(request)
        raw = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"Content-Length: 7" in head
    assert payload == b"success"


# --- login --------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["action", "reseller_name", "reseller_pass"])
def test_a_missing_login_field_is_a_bad_request_before_login(panel, missing):
    fields = {"action": "usageupdate", "reseller_pass": "wrong", missing: None}
    response = plugin_post(panel, fields.pop("action"), **fields)
    assert answer(response) == (400, "Bad request")


@pytest.mark.parametrize(
    ("name", "password", "expected"),
    [
        ("reseller1", "wrong", "KaziWhmcs: Bad password."),
        ("nobody", "whatever", "KaziWhmcs: Unknown username."),
        ("reseller1", "", "KaziWhmcs: The password field is empty."),
        ("reseller1", " {} ", "KaziWhmcs: The password field is empty."),
        ("", "x", "KaziWhmcs: The username field is empty."),
        (
            "admin",
            "admin-pass",
            "KaziWhmcs: Wrong user type. Only resellers can use the KaziWhmcs API",
        ),
        (
            "example.org",
            "customer-pass-1",
            "KaziWhmcs: Wrong user type. Only resellers can use the KaziWhmcs API",
        ),
    ],
)
def test_logins_are_refused_with_the_panel_texts(panel, name, password, expected):
    panel.state.seed_admin("admin", "admin-pass")
    panel.state.seed_customer("example.org")
    response = plugin_post(panel, "usageupdate", reseller_name=name, reseller_pass=password)
    assert answer(response) == (200, expected)


def test_login_fields_are_trimmed(panel):
    response = plugin_post(
        panel, " {usageupdate} ", reseller_name=" {RESELLER1|", reseller_pass="|reseller-secret-1} "
    )
    assert answer(response) == (200, "success")


@pytest.mark.parametrize("action", ["", "   ", "delete", "usageUpdate"])
def test_an_unknown_action_after_login_is_a_bad_request(panel, action):
    assert answer(plugin_post(panel, action)) == (400, "Bad request")


# --- create -------------------------------------------------------------------------------


def test_create_checks_in_the_plugins_order(panel):
    panel.state.seed_reseller("reseller2", "reseller-secret-2", has_ip=False)
    panel.state.seed_plan("reseller2", "Basic")
    as_2 = {"reseller_name": "reseller2", "reseller_pass": "reseller-secret-2"}
    everything_wrong = {
        "hp_name": "Gold",
        "email": "nope",
        "admin_pass": "x",
        "domain": "single",
    }
    steps = [
        ({}, "KaziWhmcs: The 'Gold' hosting plan doesn't exists"),
        ({"hp_name": "Basic"}, "KaziWhmcs: Reseller doesn't have any IP address"),
        ({"reseller_name": "reseller1", "reseller_pass": "reseller-secret-1"}, None),
    ]
    fields = {**CREATE, **everything_wrong, **as_2}
    for change, expected in steps[:2]:
        fields.update(change)
        assert plugin_post(panel, "create", **fields).text == expected
    fields.update(steps[2][0])
    for change, expected in [
        ({}, "KaziWhmcs: 'nope' is not a valid email address"),
        ({"email": "a@b.example"}, "KaziWhmcs: 'x' is not a valid password"),
        ({"admin_pass": "Str0ng-pass"}, "KaziWhmcs: Domain 'single' is not valid"),
        ({"domain": "example.com"}, "success"),
        ({}, "KaziWhmcs: Domain 'example.com' already exists or is not allowed"),
    ]:
        fields.update(change)
        assert answer(plugin_post(panel, "create", **fields)) == (200, expected)


def test_a_bad_plan_is_reported_before_missing_fields(panel):
    assert plugin_post(panel, "create", hp_name="Gold").text == (
        "KaziWhmcs: The 'Gold' hosting plan doesn't exists"
    )


@pytest.mark.parametrize("missing", ["hp_name", "domain", "admin_name", "admin_pass", "email"])
def test_create_without_a_needed_field_is_a_bad_request(panel, missing):
    assert answer(plugin_create(panel, **{missing: None})) == (400, "Bad request")
    assert panel.state.customers == {}


@pytest.mark.parametrize(
    "password",
    ["short", "x" * 31, "pässword-1", "tab\tpassword"],
)
def test_create_refuses_passwords_the_panel_refuses_and_echoes_them(panel, password):
    assert (
        plugin_create(panel, admin_pass=password).text
        == f"KaziWhmcs: '{password}' is not a valid password"
    )


def test_spaces_inside_passwords_depend_on_the_panel_version(panel):
    assert plugin_create(panel, admin_pass="with space").text == "success"
    panel.state.configure(refuse_spaces=True)
    refused = plugin_create(
        panel, domain="other.example", admin_name="other.example", admin_pass="with space"
    )
    assert refused.text == "KaziWhmcs: 'with space' is not a valid password"


def test_the_minimum_password_length_is_configurable_but_never_below_six(panel):
    panel.state.configure(password_min_length=10)
    assert (
        plugin_create(panel, admin_pass="nine-char").text
        == "KaziWhmcs: 'nine-char' is not a valid password"
    )
    panel.state.configure(password_min_length=2)
    assert (
        plugin_create(panel, admin_pass="five5").text
        == "KaziWhmcs: 'five5' is not a valid password"
    )
    assert plugin_create(panel, admin_pass="six-66").text == "success"


@pytest.mark.parametrize(
    ("domain", "echo"),
    [
        ("localhost", "localhost"),
        ("a" * 64 + ".example", "a" * 64 + ".example"),
        ("-bad.example", "-bad.example"),
        ("bad_label.example", "bad_label.example"),
        ("Dot.Ends.", "dot.ends."),
        ("two..dots.example", "two..dots.example"),
    ],
)
def test_create_refuses_invalid_domains(panel, domain, echo):
    assert plugin_create(panel, domain=domain).text == f"KaziWhmcs: Domain '{echo}' is not valid"


def test_an_idn_is_one_domain_in_both_forms(panel):
    assert (
        plugin_create(panel, domain="Bücher.Example", admin_name="bücher.example").text == "success"
    )
    again = plugin_create(panel, domain="XN--BCHER-KVA.example", admin_name="xn--bcher-kva.example")
    assert again.text == "KaziWhmcs: Domain 'bücher.example' already exists or is not allowed"
    account = panel.state.customer("xn--bcher-kva.example")
    assert (account.domain, account.domain_unicode, account.login) == (
        "xn--bcher-kva.example",
        "bücher.example",
        "xn--bcher-kva.example",
    )


@pytest.mark.parametrize(
    ("taken", "domain"),
    [
        ("other", "shop.other-reseller.example"),  # a sub-zone of another reseller's domain
        ("other", "other-reseller.example"),  # another reseller's domain
        ("alias", "alias.example"),
        ("panel", "panel.example.test"),  # the panel's own host name
        ("deleting", "old.example"),  # pending deletion
    ],
)
def test_create_refuses_domains_that_exist_or_are_not_allowed(panel, taken, domain):
    panel.state.seed_reseller("reseller2", "reseller-secret-2")
    panel.state.seed_customer("other-reseller.example", reseller="reseller2")
    panel.state.seed_alias("alias.example", "other-reseller.example")
    panel.state.seed_customer("old.example", reseller="reseller1", status="todelete")
    response = plugin_create(panel, domain=domain, admin_name=domain)
    assert response.text == f"KaziWhmcs: Domain '{domain}' already exists or is not allowed"


def test_a_sub_zone_of_the_resellers_own_domain_is_allowed(panel):
    panel.state.seed_customer("mine.example", reseller="reseller1")
    assert (
        plugin_create(panel, domain="shop.mine.example", admin_name="shop.mine.example").text
        == "success"
    )


def test_a_finished_deletion_frees_the_domain(panel):
    assert plugin_create(panel).text == "success"
    assert plugin_post(panel, "terminate", domain="example.com").text == "success"
    assert "already exists" in plugin_create(panel).text
    assert panel.state.finish_deletion("example.com") == 1
    assert plugin_create(panel).text == "success"


def test_create_trims_every_field_and_lowercases_domain_and_login(panel):
    response = plugin_create(
        panel,
        hp_name=" {basic} ",
        domain=" {ExAmple.COM| ",
        admin_name="|EXAMPLE.com}",
        admin_pass="  {Str0ng-pass}  ",
        email=" owner@example.net| ",
        customer_id=" whmcs_42 ",
        fname=" {Ada ",
        street2="|",
    )
    assert answer(response) == (200, "success")
    account = panel.state.customer("example.com")
    assert (account.login, account.password, account.email) == (
        "example.com",
        "Str0ng-pass",
        "owner@example.net",
    )
    assert (account.customer_id, account.contact["fname"], account.contact["street2"]) == (
        "whmcs_42",
        "Ada",
        "",
    )
    assert (account.plan, account.status, account.disk_limit_mib) == ("Basic", "toadd", 1000)
    assert account["reseller"] == "reseller1"


def test_a_login_that_already_exists_loses_the_message_in_an_empty_body(panel):
    assert answer(plugin_create(panel, admin_name="reseller1")) == (200, "")
    assert panel.state.customers == {}


# --- suspend, unsuspend, terminate, changepw -----------------------------------------------


def test_suspend_and_unsuspend_are_idempotent(panel):
    panel.state.seed_customer("example.com")
    for action, status in [
        ("suspend", "disabled"),
        ("suspend", "disabled"),
        ("unsuspend", "ok"),
        ("unsuspend", "ok"),
    ]:
        assert answer(plugin_post(panel, action, domain=" EXAMPLE.com ")) == (200, "success")
        assert panel.state.customer("example.com").settled_status == status


@pytest.mark.parametrize("action", ["suspend", "unsuspend", "terminate"])
def test_an_unknown_account_does_not_exist_echoed_as_sent(panel, action):
    response = plugin_post(panel, action, domain=" XN--BCHER-KVA.Example ")
    assert response.text == (
        "KaziWhmcs: The 'XN--BCHER-KVA.Example' customer account doesn't exists"
    ), "trimmed, neither lowercased nor converted"


@pytest.mark.parametrize("action", ["suspend", "unsuspend", "terminate"])
def test_status_actions_without_a_domain_are_bad_requests(panel, action):
    assert answer(plugin_post(panel, action)) == (400, "Bad request")


def test_the_panel_does_not_check_who_owns_a_suspended_domain(panel):
    panel.state.seed_reseller("reseller2", "reseller-secret-2")
    panel.state.seed_customer("theirs.example", reseller="reseller2")
    assert plugin_post(panel, "suspend", domain="theirs.example").text == "success"
    assert panel.state.customer("theirs.example").settled_status == "disabled"
    assert plugin_post(panel, "terminate", domain="theirs.example").text == "success"
    assert panel.state.customer("theirs.example").status == "todelete"


def test_terminate_marks_the_account_for_deletion(panel):
    panel.state.seed_customer("bücher.example")
    assert plugin_post(panel, "terminate", domain="bücher.example").text == "success"
    assert plugin_post(panel, "unsuspend", domain="bücher.example").text == "success"
    assert panel.state.customer("xn--bcher-kva.example").status == "todelete"


def test_changepw_sets_the_trimmed_password(panel):
    panel.state.seed_customer("bücher.example")
    response = plugin_post(panel, "changepw", admin_name="BÜCHER.example", admin_pass="{N3w-pass} ")
    assert answer(response) == (200, "success")
    assert panel.state.customer("bücher.example").password == "N3w-pass"


def test_changepw_checks_the_password_first_then_the_account(panel):
    panel.state.seed_reseller("reseller2", "reseller-secret-2")
    panel.state.seed_customer("theirs.example", reseller="reseller2")
    bad = plugin_post(panel, "changepw", admin_name="nope.example", admin_pass="x")
    assert bad.text == "KaziWhmcs: 'x' is not a valid password"
    theirs = plugin_post(panel, "changepw", admin_name="Theirs.example", admin_pass="N3w-pass")
    assert theirs.text == "KaziWhmcs: The 'Theirs.example' customer account doesn't exists"
    assert panel.state.customer("theirs.example").password == "customer-pass-1"


@pytest.mark.parametrize("missing", ["admin_name", "admin_pass"])
def test_changepw_without_a_field_is_a_bad_request(panel, missing):
    fields = {"admin_name": "x.example", "admin_pass": "N3w-pass", missing: None}
    assert answer(plugin_post(panel, "changepw", **fields)) == (400, "Bad request")


# --- errors and the request log -------------------------------------------------------------


def test_a_panel_exception_is_a_500_with_its_message(panel, monkeypatch):
    def broken(*args):
        raise RuntimeError("SQLSTATE[HY000]: General error")

    monkeypatch.setattr(panel.state, "authenticate", broken)
    response = plugin_post(panel, "usageupdate")
    assert answer(response) == (500, "An unexpected error occurred: SQLSTATE[HY000]: General error")


def test_the_request_log_keeps_fields_without_secrets(panel):
    plugin_create(panel, admin_pass="Str0ng-pass", customer_id="whmcs_7")
    plugin_post(panel, "usageupdate")
    (entry,) = panel.state.requests_for("create")
    assert entry["fields"]["reseller_pass"] == "***"
    assert entry["fields"]["admin_pass"] == "***"
    assert entry["fields"]["customer_id"] == "whmcs_7"
    assert (entry["path"], entry["status"], entry["answer"]) == ("/kaziwhmcs", 200, "success")
    assert [e["action"] for e in panel.state.requests] == ["create", "usageupdate"]
