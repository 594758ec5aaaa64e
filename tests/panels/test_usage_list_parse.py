"""Reading the panel's usage list: the plugin's exact shape is read by a fast path that
must agree with the strict general parser, and everything else goes to the latter."""

import random

import pytest

from provisioning.panels.imscp import answers, phpserial
from provisioning.panels.imscp.answers import UsageEntry, usage_parse
from provisioning.panels.imscp.errors import PanelTransientError

ROW = {"domain": "a.example", "diskusage": 1, "disklimit": "2", "bwusage": 3, "bwlimit": "4"}


def _general(text: str) -> list[UsageEntry]:
    return [answers._usage_entry(row) for row in phpserial.loads(text)]


def test_the_plugins_shape_is_read_by_the_fast_path_as_the_general_parser_reads_it():
    rng = random.Random(8)
    rows = [
        {
            "domain": rng.choice(["bücher.example", "", "x}y;s:1:.example", f"c{i}.example"]),
            "diskusage": rng.randint(-5, 10**12),
            "disklimit": str(rng.choice([-1, 0, 1000, 10**9])),
            "bwusage": rng.randint(0, 10**6),
            "bwlimit": str(rng.randint(-1, 10**6)),
        }
        for i in range(500)
    ]
    text = phpserial.dumps(rows).decode()
    assert answers._usage_fast(text) is not None
    assert usage_parse(200, text) == _general(text)


@pytest.mark.parametrize(
    "change",
    [
        lambda rows: rows[0].update(disklimit=7),  # an integer limit
        lambda rows: rows[0].update(diskusage="7"),  # a string figure
        lambda rows: rows[0].update(domain='quote".example'),
        lambda rows: rows.__setitem__(0, {k: rows[0][k] for k in reversed(ROW)}),
    ],
)
def test_another_valid_shape_is_read_by_the_general_parser(change):
    rows = [dict(ROW), dict(ROW, domain="b.example")]
    change(rows)
    text = phpserial.dumps(rows).decode()
    assert answers._usage_fast(text) is None
    assert usage_parse(200, text) == _general(text)


@pytest.mark.parametrize(
    "text",
    [
        phpserial.dumps([ROW]).decode().replace('s:9:"a.example"', 's:8:"a.example"'),
        phpserial.dumps([ROW]).decode().replace('s:1:"2"', 's:2:"2"'),
        phpserial.dumps([ROW]).decode().replace("a:1:{", "a:2:{", 1),
        phpserial.dumps([ROW]).decode().replace("i:0;a:5", "i:1;a:5"),
        phpserial.dumps([ROW, ROW]).decode().replace("}i:1;", "}junk i:1;"),
        phpserial.dumps([ROW]).decode() + "}",
        phpserial.dumps([ROW]).decode()[:-1],
    ],
    ids=["domain length", "limit length", "count", "index", "gap", "trailing", "truncated"],
)
def test_a_list_that_is_not_exactly_serialized_is_refused(text):
    assert answers._usage_fast(text) is None
    with pytest.raises(PanelTransientError, match="Unreadable usage list"):
        usage_parse(200, text)
