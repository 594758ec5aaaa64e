"""Domain names: the plain-ASCII shortcut answers exactly what the IDNA encoding answers."""

import idna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning.domains import DomainError, domain_normalize


def _by_idna(text: str):
    try:
        ascii_form = idna.encode(text.strip().rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    return idna.decode(ascii_form), ascii_form


def _normalized(text: str):
    try:
        return domain_normalize(text)
    except DomainError:
        return None


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet="abcXYZ019-.", min_size=1, max_size=20))
def test_ascii_names_normalize_as_idna_encodes_them(text):
    normalized = _normalized(text)
    if normalized is not None:
        assert normalized == _by_idna(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Example.COM", ("example.com", "example.com")),
        ("bücher.example", ("bücher.example", "xn--bcher-kva.example")),
        ("xn--bcher-kva.example", ("bücher.example", "xn--bcher-kva.example")),
        ("ab--cd.example", None),  # IDNA reserves "--" at positions 3-4
        ("xn--zz.example", None),  # not valid punycode
    ],
)
def test_names_normalize_to_their_unicode_and_ascii_forms(raw, expected):
    assert _normalized(raw) == expected
