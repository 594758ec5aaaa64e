"""The panel's own login form (the single sign-on target) and its tool pages."""

import pytest
import requests


def login(panel, name: str, password: str, session=None) -> requests.Response:
    return (session or requests).post(
        f"{panel.url}/",
        data={"uname": name, "upass": password, "action": "login"},
        allow_redirects=False,
        timeout=5,
    )


def test_the_front_page_is_the_login_form(panel):
    response = requests.get(f"{panel.url}/", timeout=5)
    assert response.status_code == 200
    assert '<form method="post" action="/">' in response.text
    assert 'name="uname"' in response.text and 'name="upass"' in response.text


@pytest.mark.parametrize(
    ("kind", "name", "password", "location"),
    [
        ("reseller", "reseller1", "reseller-secret-1", "/reseller/index.php"),
        ("customer", "bücher.example", "customer-pass-1", "/client/index.php"),
        ("admin", "admin", "admin-pass", "/admin/index.php"),
    ],
)
def test_a_good_login_redirects_to_the_users_interface(panel, kind, name, password, location):
    panel.state.seed_admin("admin", "admin-pass")
    panel.state.seed_customer("bücher.example")
    with requests.Session() as session:
        response = login(panel, name, password, session)
        assert (response.status_code, response.headers["Location"]) == (302, location)
        assert "iMSCP_Session=" in response.headers["Set-Cookie"]
        page = session.get(f"{panel.url}{location}", timeout=5)
    expected = "xn--bcher-kva.example" if kind == "customer" else name
    assert f"logged in as {expected}" in page.text
    assert panel.state.login_log[-1]["name"] == expected
    assert panel.state.login_log[-1]["ok"] is True


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("reseller1", "wrong", "Bad password."),
        ("nobody", "wrong", "Unknown username."),
        ("reseller1", "", "The password field is empty."),
    ],
)
def test_a_failed_login_shows_the_form_with_the_error(panel, name, password, message):
    response = login(panel, name, password)
    assert response.status_code == 200
    assert f'<p class="error">{message}</p>' in response.text
    assert 'name="uname"' in response.text
    entry = panel.state.login_log[-1]
    assert (entry["name"], entry["ok"], entry["result"]) == (name, False, "failed")
    assert entry["time"] > 0


@pytest.mark.parametrize(
    "status", ["disabled", "toadd", "tochange", "todisable", "toenable", "error", "todelete"]
)
def test_an_unusable_customer_is_sent_back_to_a_disabled_notice(panel, status):
    panel.state.seed_customer("example.com", status=status)
    with requests.Session() as session:
        response = login(panel, "example.com", "customer-pass-1", session)
        assert (response.status_code, response.headers["Location"]) == (302, "/index.php")
        notice = session.get(f"{panel.url}/index.php", timeout=5)
        assert (
            session.get(f"{panel.url}/client/index.php", allow_redirects=False).status_code == 302
        )
    assert "account is currently disabled" in notice.text
    assert panel.state.login_log[-1]["result"] == "disabled"


def test_a_suspension_over_the_api_disables_the_login(panel):
    panel.state.seed_customer("example.com")
    assert login(panel, "example.com", "customer-pass-1").headers["Location"] == "/client/index.php"
    panel.state.customer("example.com").status = "disabled"
    assert login(panel, "example.com", "customer-pass-1").headers["Location"] == "/index.php"


def test_an_interface_without_a_session_redirects_to_the_login(panel):
    for path in ("/reseller/index.php", "/client/index.php", "/admin/index.php"):
        response = requests.get(f"{panel.url}{path}", allow_redirects=False, timeout=5)
        assert (response.status_code, response.headers["Location"]) == (302, "/index.php")


def test_a_session_opens_only_its_own_interface(panel):
    with requests.Session() as session:
        login(panel, "reseller1", "reseller-secret-1", session)
        own = session.get(f"{panel.url}/reseller/index.php", allow_redirects=False, timeout=5)
        other = session.get(f"{panel.url}/client/index.php", allow_redirects=False, timeout=5)
    assert own.status_code == 200 and "logged in as reseller1" in own.text
    assert (other.status_code, other.headers["Location"]) == (302, "/index.php")


def test_names_and_errors_are_html_escaped(panel):
    panel.state.seed_reseller("<b>&co", "pass-123456")
    with requests.Session() as session:
        login(panel, "<b>&co", "pass-123456", session)
        page = session.get(f"{panel.url}/reseller/index.php", timeout=5)
    assert "logged in as &lt;b&gt;&amp;co" in page.text
    assert "<b>&co" not in page.text


def test_the_panel_in_maintenance_sends_customers_back(panel):
    panel.state.seed_customer("example.com")
    panel.state.configure(maintenance=True)
    assert login(panel, "example.com", "customer-pass-1").headers["Location"] == "/index.php"


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/ftp", "File manager"),
        ("/ftp/", "File manager"),
        ("/pma", "phpMyAdmin"),
        ("/pma/", "phpMyAdmin"),
        ("/webmail", "Webmail"),
        ("/webmail/", "Webmail"),
    ],
)
def test_the_tool_pages_name_their_tool(panel, path, title):
    response = requests.get(f"{panel.url}{path}", timeout=5)
    assert response.status_code == 200
    assert f"<title>i-MSCP - {title}</title>" in response.text


def test_an_unknown_page_is_not_found(panel):
    assert requests.get(f"{panel.url}/nothing.php", timeout=5).status_code == 404
