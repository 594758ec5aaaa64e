"""The panel's handling of names: its clean_input(), IDN forms and domain validity."""

import re

import idna

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def clean_input(value: str) -> str:
    """The panel's clean_input(): spaces and `{`, `|`, `}` go from both ends."""
    return value.strip(" {|}")


def to_ascii(name: str) -> str | None:
    """encode_idna(): lowercase ASCII (punycode) form, or None when not encodable."""
    if not name:
        return None
    if name.isascii():
        # idn_to_ascii() passes ASCII labels through (logins may hold `_` or `.`), but
        # an ACE label must decode.
        name = name.lower()
        return None if "xn--" in name and to_unicode(name) == name else name
    try:
        return idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None


def to_unicode(name: str) -> str:
    """decode_idna(), falling back to the name itself as the panel's echo does."""
    try:
        return idna.decode(name)
    except (idna.IDNAError, UnicodeError):
        return name


def domain_forms(value: str) -> tuple[str, str] | None:
    """(unicode, ascii) of a valid customer domain (isValidDomainName), else None."""
    if not value or value[0] == "." or value[-1] == ".":
        return None
    ascii_name = to_ascii(value)
    if ascii_name is None or len(ascii_name) > 255:
        return None
    labels = ascii_name.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return to_unicode(ascii_name), ascii_name
