"""What the client reads on the page: the account, usage figures, history, tool links."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from provisioning.models import Operation, UsageSample
from tests.client_area_links import client_area_link
from tests.factories import OperationFactory, ProductFactory, ServerFactory, ServiceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def service():
    return ServiceFactory(
        domain="bücher.example",
        domain_ascii="xn--bcher-kva.example",
        status="active",
        product=ProductFactory(name="Web Hosting Plus", plan_name="Pro"),
        server=ServerFactory(hostname="panel.example.net:4433", secure=True),
        disk_usage=120,
        disk_limit=1000,
        bw_usage=2500,
        bw_limit=0,
        usage_updated_at=datetime(2026, 3, 10, 3, 15, tzinfo=UTC),
    )


def page(client, service) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(client_area_link(service.whmcs_id))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    # Inline tags join their text as the browser does (a domain's labels are spans).
    inline = re.sub(r"</?(?:span|wbr)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))


def test_it_shows_the_account(client, service):
    text = text_of(page(client, service))
    assert "bücher.example" in text
    assert "xn--bcher-kva.example" in text
    assert "Hosting account of Ada Lovelace" in text
    assert "Product Web Hosting Plus" in text
    assert "Plan Pro" in text
    assert "Status Active" in text
    assert "Control panel panel.example.net:4433" in text


def test_it_shows_usage_as_figures_and_bars(client, service):
    html = page(client, service)
    text = text_of(html)
    # 120 MB of 1000 MiB = 1,048.6 MB: 11 %; bandwidth unlimited.
    assert "120 MB of 1.05 GB · 11%" in text
    assert "2.50 GB used · unlimited" in text
    assert 'aria-label="Disk space: 120 MB of 1.05 GB (11%)"' in html
    assert re.search(r'class="meter-fill meter-ok" x="0" y="0" width="11"', html)
    assert '<time datetime="2026-03-10T03:15:00+00:00">10 Mar 2026, 03:15 UTC</time>' in html


@pytest.mark.parametrize(
    ("used", "limit", "expected", "level"),
    [
        (900, 1000, "900 MB of 1.05 GB · 86%", "meter-high"),
        (2000, 1000, "2.00 GB of 1.05 GB · 191%", "meter-full"),
        (5, -1, "5 MB used · not included in the plan", None),
        (0, 0, "0 MB used · unlimited", None),
    ],
)
def test_bars_show_how_close_to_the_limit(client, service, used, limit, expected, level):
    service.disk_usage, service.disk_limit = used, limit
    service.save()
    html = page(client, service)
    assert expected in text_of(html)
    if level:
        assert f"meter-fill {level}" in html
        assert 'width="100"' in html or level != "meter-full"


def test_a_service_never_measured_says_so(client, service):
    service.disk_usage = service.disk_limit = service.bw_usage = service.bw_limit = None
    service.usage_updated_at = None
    service.save()
    text = text_of(page(client, service))
    assert text.count("Not measured yet.") == 2
    assert "imported from the control panel once a day" in text
    assert "No usage has been recorded yet" in text


def test_the_history_chart_has_a_bar_per_recorded_day_of_the_last_30(client, service):
    today = date(2026, 3, 10)
    for age in (0, 1, 2, 10, 29, 30, 60):
        UsageSample.objects.create(
            service=service, day=today - timedelta(days=age), disk_usage=100 + age, bw_usage=age
        )
    html = page(client, service)
    charts = re.findall(r"<svg class=\"history-chart\".*?</svg>", html, re.DOTALL)
    assert len(charts) == 2
    assert all(chart.count("<rect") == 5 for chart in charts)
    assert "<title>10 Mar: 100 MB</title>" in charts[0]
    assert "<title>9 Feb: 129 MB</title>" in charts[0]
    assert not re.search(r"\b8 Feb", html) and "2026-02-08" not in html
    assert 'role="img" aria-labelledby="disk-history-title disk-history-desc"' in charts[0]
    assert "Disk space per day from 9 Feb to 10 Mar" in charts[0]
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", html)
    assert len(rows) == 5
    assert "<td>129 MB</td><td>29 MB</td>" in rows[0]


def test_the_chart_draws_no_inline_style_or_script(client, service):
    UsageSample.objects.create(service=service, day=date(2026, 3, 10), disk_usage=1, bw_usage=1)
    html = page(client, service)
    assert "style=" not in html and "<style" not in html
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_tool_buttons_point_at_the_panel_host_with_its_scheme_and_port(client, service):
    html = page(client, service)
    for path in ("/ftp", "/pma", "/webmail"):
        link = f'href="https://panel.example.net:4433{path}" target="_blank"'
        assert f'{link} rel="noopener noreferrer"' in html


def test_the_tool_buttons_use_the_servers_port_field_over_plain_http(client, service):
    service.server.hostname, service.server.port, service.server.secure = "10.0.0.5", 8080, False
    service.server.save()
    assert 'href="http://10.0.0.5:8080/pma"' in page(client, service)


def test_the_control_panel_form_posts_to_the_bridge_in_a_new_tab(client, service):
    html = page(client, service)
    form = re.search(r"<form method=\"post\"[^>]*>", html).group(0)
    assert f'action="/client/services/{service.whmcs_id}/panel-login/"' in form
    assert 'target="_blank"' in form
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_failed_change_shows_the_panels_answer(client, service):
    OperationFactory(
        service=service,
        command=Operation.Command.CREATE,
        state=Operation.State.FAILED,
        result="KaziWhmcs: The 'Pro' hosting plan doesn't exists",
    )
    text = text_of(page(client, service))
    assert "The last change to this account (create) did not go through" in text
    assert "KaziWhmcs: The &#x27;Pro&#x27; hosting plan doesn&#x27;t exists" in text


def test_a_later_success_hides_the_old_failure(client, service):
    OperationFactory(service=service, command="CreateAccount", state="failed", result="boom")
    OperationFactory(service=service, command="CreateAccount", state="succeeded", result="success")
    OperationFactory(service=service, command="PanelLogin", state="succeeded", result="success")
    assert "did not go through" not in page(client, service)


def test_a_plan_change_owed_is_not_shown_to_the_client_as_a_failure(client, service):
    OperationFactory(
        service=service, command="ChangePackage", state="failed", result="change the plan"
    )
    assert "did not go through" not in page(client, service)


def test_staff_see_that_they_view_a_clients_page(admin_client, service):
    html = admin_client.get(f"/client/services/{service.whmcs_id}/").content.decode()
    assert "You are viewing this client's page as staff." in html


def test_a_figure_that_stayed_at_zero_is_a_sentence_not_a_flat_chart(client, service):
    for age in range(3):
        UsageSample.objects.create(
            service=service, day=date(2026, 3, 10) - timedelta(days=age), disk_usage=50, bw_usage=0
        )
    html = page(client, service)
    assert len(re.findall(r'<svg class="history-chart"', html)) == 1
    assert "No bandwidth used in these 30 days (0 MB on every day recorded)." in text_of(html)
    assert "<td>50 MB</td><td>0 MB</td>" in html
