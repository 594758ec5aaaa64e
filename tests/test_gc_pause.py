"""gc_paused keeps the cyclic collector off during bulk steps and puts it back as it was."""

import gc
import threading

import pytest

from provisioning.gc_pause import gc_paused
from provisioning.imscp.answers import usage_parse
from provisioning.usage import usage_entries_json, usage_import
from tests.factories import ServiceFactory


@pytest.fixture(autouse=True)
def _collector_restored():
    before = gc.isenabled()
    yield
    (gc.enable if before else gc.disable)()


def test_the_collector_is_off_inside_and_back_on_after():
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_back_on_after_an_exception():
    gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_nested_pause_does_not_turn_it_back_on_early():
    gc.enable()
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads_end_with_the_last_one():
    gc.enable()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with gc_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with gc_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert seen == {"after the first left": False}
    assert gc.isenabled()


@pytest.mark.django_db
def test_the_usage_steps_run_with_the_collector_paused(monkeypatch):
    """The three bulk steps of a usage import: parse, map, write (each still does its work)."""
    import provisioning.imscp.answers as answers
    import provisioning.usage as usage

    states = []

    def spy(module, name):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda arg: states.append(gc.isenabled()) or real(arg))

    spy(answers, "_usage_fast")
    spy(usage, "domain_ascii")
    service = ServiceFactory(domain="a.example", domain_ascii="a.example")
    body = (
        'a:1:{i:0;a:5:{s:6:"domain";s:9:"a.example";s:9:"diskusage";i:1;'
        's:9:"disklimit";s:1:"0";s:7:"bwusage";i:2;s:7:"bwlimit";s:1:"0";}}'
    )
    gc.enable()

    rows = usage_entries_json(service.server, usage_parse(200, body))
    written = usage_import(service.server, rows, service.created_at)

    assert states == [False, False, False]
    assert gc.isenabled()
    assert (rows[0]["serviceid"], written) == (service.whmcs_id, 1)
