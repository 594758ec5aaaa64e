"""PHP serialize() and the strict unserialize() of the usage list."""

import math
import random

import pytest

from provisioning.panels.imscp.phpserial import MAX_DEPTH, PhpSerializeError, dumps, loads


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, b"N;"),
        (True, b"b:1;"),
        (False, b"b:0;"),
        (0, b"i:0;"),
        (-42, b"i:-42;"),
        (1.5, b"d:1.5;"),
        (3.0, b"d:3;"),
        (1e25, b"d:1.0E+25;"),
        (math.inf, b"d:INF;"),
        (-math.inf, b"d:-INF;"),
        ("", b's:0:"";'),
        ("bücher-test.de", b's:15:"b\xc3\xbccher-test.de";'),
        ([], b"a:0:{}"),
        (["a", 1], b'a:2:{i:0;s:1:"a";i:1;i:1;}'),
        ({"k": None, 7: False}, b'a:2:{s:1:"k";N;i:7;b:0;}'),
    ],
)
def test_it_serializes_like_php(value, expected):
    assert dumps(value) == expected


def test_it_counts_string_lengths_in_utf8_bytes():
    assert dumps(["日本"]) == 'a:1:{i:0;s:6:"日本";}'.encode()


@pytest.mark.parametrize("value", [object(), {1.5: "x"}, {True: "x"}, {("a",): 1}, b"bytes"])
def test_it_refuses_to_serialize_other_types(value):
    with pytest.raises(TypeError):
        dumps(value)


ROUND_TRIPS = [
    None,
    True,
    0,
    -(2**63),
    2**63 - 1,
    0.1,
    -2.5e-300,
    "",
    'quote " and ";} inside',
    "bücher.example",
    [],
    [[], [[]], {"a": []}],
    {"domain": "x.example", "diskusage": 120, "disklimit": "1000"},
    {3: "x", 1: "y"},
    {"a": [1, {"b": None}], "c": "d"},
]


@pytest.mark.parametrize("value", ROUND_TRIPS)
def test_loads_reads_back_what_dumps_wrote(value):
    assert loads(dumps(value)) == value


def test_an_empty_array_reads_back_as_a_list():
    # PHP cannot tell an empty list from an empty map.
    assert loads(dumps({})) == []


def test_loads_accepts_str_as_well_as_bytes():
    assert loads('a:1:{i:0;s:15:"bücher-test.de";}') == ["bücher-test.de"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'a:2:{i:0;s:1:"a";i:1;s:1:"b";}', ["a", "b"]),
        (b'a:2:{i:1;s:1:"b";i:0;s:1:"a";}', {1: "b", 0: "a"}),  # keys out of order
        (b'a:1:{i:1;s:1:"b";}', {1: "b"}),  # a gap
        (b'a:1:{s:1:"0";s:1:"a";}', ["a"]),  # PHP makes numeric string keys integers
        (b'a:1:{s:2:"01";s:1:"a";}', {"01": "a"}),  # ...canonical ones only
        (b"d:INF;", math.inf),
        (b"d:-INF;", -math.inf),
        (b"d:1.0E+25;", 1e25),
        (b"d:-0.5;", -0.5),
        (b"i:+5;", 5),
    ],
)
def test_loads_follows_php_semantics(data, expected):
    assert loads(data) == expected


def test_loads_reads_nan():
    assert math.isnan(loads(b"d:NAN;"))


def nested(depth: int) -> bytes:
    return b"a:1:{i:0;" * depth + b"N;" + b"}" * depth


def test_loads_accepts_the_maximum_depth():
    value = loads(nested(MAX_DEPTH))
    for _ in range(MAX_DEPTH):
        value = value[0]
    assert value is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'O:8:"stdClass":0:{}', "objects are refused"),
        (b'a:1:{i:0;O:8:"stdClass":0:{}}', "objects are refused"),
        (b'C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}', "objects are refused"),
        (b"a:2:{i:0;i:1;i:1;r:1;}", "references are refused"),
        (b"a:2:{i:0;i:1;i:1;R:2;}", "references are refused"),
        (b'E:7:"Foo:Bar";', "enums are refused"),
        (b"i:1;x", "trailing data"),
        (b"N;N;", "trailing data"),
        (b's:4:"abc";', "bad string length"),
        (b's:2:"abc";', "bad string length"),
        (b's:-1:"";', "bad string length"),
        (b's:1_0:"0123456789";', "bad string length"),
        (b's:3:"abc"', "bad string length"),
        (b"a:2:{i:0;i:1;}", "closed before its announced length"),
        (b"a:1:{i:0;i:1;i:1;i:2;}", "expected '}'"),
        (b"a:-1:{}", "bad array length"),
        (b"a:99999999:{i:0;N;}", "exceeds the data"),
        (b"a:1:{i:0;N;", "truncated"),
        (b"a:1:{", "exceeds the data"),
        (b"a:1:{i:0;", "truncated"),
        (b"", "truncated"),
        (b"s:3:", "truncated"),
        (b"i:1", "bad integer"),
        (b"i:;", "bad integer"),
        (b"i: 1;", "bad integer"),
        (b"i:1_0;", "bad integer"),
        (b"i:0x1F;", "bad integer"),
        (b"b:2;", "bad boolean"),
        (b"b:1", "bad boolean"),
        (b"d:inf;", "bad float"),
        (b"d:1e;", "bad float"),
        (b"d:1_0;", "bad float"),
        (b"N", "truncated"),
        (b"x:1;", "unexpected 'x'"),
        (b'a:1:{d:1.5;s:1:"a";}', "keys must be integers or strings"),
        (b"a:1:{N;i:1;}", "keys must be integers or strings"),
        (b'a:2:{s:1:"a";i:1;s:1:"a";i:2;}', "duplicate key"),
        (b'a:1:{i:0;s:2:"\xc3\x28";}', "not valid UTF-8"),
        (nested(MAX_DEPTH + 1), "nested deeper than 32"),
    ],
)
def test_loads_refuses(data, reason):
    with pytest.raises(PhpSerializeError, match=reason):
        loads(data)


def test_its_error_is_a_value_error():
    assert issubclass(PhpSerializeError, ValueError)


def test_deep_input_is_refused_without_exhausting_the_stack():
    with pytest.raises(PhpSerializeError, match="nested deeper"):
        loads(nested(100_000))


def test_repeated_records_are_read_back_exactly():
    # The parser reuses the tokens of the previous record: values that change, arrays as
    # values and keys in another order must still come out right.
    records = [
        {"a": [1], "b": 2},
        {"a": [1], "b": 2},
        {"b": 2, "a": [1]},
        {"k": "x", "n": {"z": 1}},
        {"k": "y", "n": {"z": 1}},
        {"k": "x", "n": {"z": 2}},
        {"k": "x"},
        {"k": "x", "extra": None},
    ] * 3
    parsed = loads(dumps(records))
    assert parsed == records
    assert parsed[0]["a"] is not parsed[1]["a"]  # arrays are never shared


def test_repeated_empty_arrays_are_distinct_objects():
    parsed = loads(dumps([{"a": []}, {"a": []}, {"b": {"c": []}}, {"b": {"c": []}}]))
    assert parsed == [{"a": []}, {"a": []}, {"b": {"c": []}}, {"b": {"c": []}}]
    assert parsed[0]["a"] is not parsed[1]["a"]
    assert parsed[2]["b"]["c"] is not parsed[3]["b"]["c"]


def test_random_structures_round_trip():
    rng = random.Random(20240601)

    def value(depth: int) -> object:
        kind = rng.randrange(8 if depth < 4 else 6)
        if kind == 0:
            return None
        if kind == 1:
            return rng.random() < 0.5
        if kind == 2:
            return rng.randrange(-(10**12), 10**12)
        if kind == 3:
            return rng.choice([0.5, -1.25, 1e-7, 3.0e100])
        if kind in (4, 5):
            return rng.choice(["", "x", "bücher", 'a";b', "}", "i:0;"])
        if kind == 6:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        keys = rng.sample(["a", "b", "c", "ü", "0x", 5, 9], rng.randrange(1, 4))
        return {key: value(depth + 1) for key in keys}

    for _ in range(300):
        sample = [value(0) for _ in range(rng.randrange(1, 6))]
        assert loads(dumps(sample)) == sample


def test_a_100000_entry_usage_list_round_trips():
    rows = [
        {
            "domain": f"bücher-{i}.example",
            "diskusage": i % 5000,
            "disklimit": "1000",
            "bwusage": i % 77,
            "bwlimit": "0" if i % 3 else "10000",
        }
        for i in range(100_000)
    ]
    # Its speed is measured by benchmarks/usage_import.py, not here.
    assert loads(dumps(rows)) == rows
