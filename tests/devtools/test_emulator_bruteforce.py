"""The emulator's brute-force protection is the panel's: one counter per address, cleared
only by a good login in the session that started it (protocol, "Brute-force protection")."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import time_machine

from tests.panel_fixtures import RESELLER, RESELLER_PASSWORD, plugin_post

START = 1_800_000_000


def failed(panel, session=None):
    return plugin_post(panel, "usageupdate", reseller_pass="bad", session=session).text


def good(panel, session=None):
    return plugin_post(panel, "usageupdate", session=session).text


def test_it_is_on_by_default_with_the_panels_limits(panel):
    settings = panel.state.settings
    assert settings.bruteforce is True
    assert (
        settings.bruteforce_max_attempts_before_wait,
        settings.bruteforce_between_time,
        settings.bruteforce_max_login,
        settings.bruteforce_block_time,
    ) == (2, 30, 3, 30)


def test_good_logins_in_their_own_sessions_leave_nothing_behind(panel):
    for _ in range(10):
        assert good(panel) == "success"
    assert panel.state.login_records == {}


def test_one_failed_login_is_counted_up_by_every_good_one_until_the_address_is_blocked(panel):
    with time_machine.travel(START, tick=False) as clock:
        assert failed(panel) == "KaziWhmcs: Bad password."
        assert good(panel) == "success"  # another session: the failure stays, counted up
        assert good(panel) == "KaziWhmcs: Ip 127.0.0.1 is waiting 00:30 seconds."
        clock.shift(30)
        assert good(panel) == "success"  # the third attempt
        assert good(panel) == "KaziWhmcs: Ip 127.0.0.1 is blocked for 30:00 minutes."
        clock.shift(29 * 60 + 59)
        assert good(panel) == "KaziWhmcs: Ip 127.0.0.1 is blocked for 00:01 minutes."
        clock.shift(1)
        assert good(panel) == "success", "refused attempts do not count: the block ends"
        assert panel.state.login_records == {}


def test_a_good_login_in_the_session_of_the_failure_clears_it(panel):
    with time_machine.travel(START, tick=False), requests.Session() as session:
        assert failed(panel, session) == "KaziWhmcs: Bad password."
        assert panel.state.login_records["127.0.0.1"].count == 1
        assert good(panel, session) == "success"
        assert panel.state.login_records == {}
        for _ in range(5):
            assert good(panel) == "success"


def test_a_good_login_in_another_session_does_not_clear_it(panel):
    with time_machine.travel(START, tick=False), requests.Session() as session:
        assert failed(panel, session) == "KaziWhmcs: Bad password."
        assert good(panel) == "success"
        assert panel.state.login_records["127.0.0.1"].count == 2


@pytest.mark.parametrize(
    ("style", "waiting", "blocked"),
    [
        (
            "1.1",
            "Ip 127.0.0.1 is waiting 00:30 seconds.",
            "Ip 127.0.0.1 is blocked for 30:00 minutes.",
        ),
        (
            "1.2",
            "127.0.0.1 IP address is waiting 00:30 seconds.",
            "127.0.0.1 IP address is blocked for 30:00 minutes.",
        ),
    ],
)
def test_both_families_word_the_refusals_their_way(panel, style, waiting, blocked):
    panel.state.configure(bruteforce_style=style)
    with time_machine.travel(START, tick=False) as clock:
        failed(panel)
        failed(panel)
        assert good(panel) == f"KaziWhmcs: {waiting}"
        clock.shift(30)
        failed(panel)
        assert good(panel) == f"KaziWhmcs: {blocked}"


def test_the_login_form_counts_and_shows_the_refusal_on_its_page(panel):
    with time_machine.travel(START, tick=False), requests.Session() as session:
        form = {"uname": RESELLER, "upass": "bad", "action": "login"}
        session.post(f"{panel.url}/", data=form, allow_redirects=False, timeout=5)
        good(panel)
        page = requests.post(
            f"{panel.url}/", data={**form, "upass": RESELLER_PASSWORD}, timeout=5
        ).text
        assert "Ip 127.0.0.1 is waiting 00:30 seconds." in page


def test_it_can_be_turned_off(panel):
    panel.state.configure(bruteforce=False)
    for _ in range(6):
        assert failed(panel) == "KaziWhmcs: Bad password."
    assert good(panel) == "success"


def test_three_good_logins_in_flight_at_once_can_meet_the_wait(panel):
    """The panel counts an attempt before it checks the password, and a success clears
    only its own session's record: a third login that starts while the first two are
    still checking finds the address at two."""
    panel.state.configure(login_seconds=0.3)
    with ThreadPoolExecutor(3) as pool:
        answers = sorted(pool.map(lambda _: good(panel), range(3)))
    assert answers[-1] == "success"
    assert "KaziWhmcs: Ip 127.0.0.1 is waiting 00:30 seconds." in answers
