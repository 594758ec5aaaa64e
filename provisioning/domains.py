"""Domain names as the panel sees them: lowercased, IDN in ASCII (punycode)."""

import re

import idna

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DomainError(ValueError):
    pass


def domain_normalize(raw: str) -> tuple[str, str]:
    """Return (unicode, ascii) forms of a domain, or raise DomainError.

    The panel refuses single-label names and labels over 63 characters, and
    treats `bücher.example` and `xn--bcher-kva.example` as one domain."""
    text = raw.strip().rstrip(".")
    if not text:
        raise DomainError("is empty")
    lowered = text.lower()
    if text.isascii() and _plain_ascii(lowered):
        # What the IDNA encoding would return (it costs ~0.1 ms a name, on every webhook).
        ascii_form = unicode_form = lowered
    else:
        unicode_form, ascii_form = _idna_forms(text)
    labels = ascii_form.split(".")
    if len(labels) < 2:
        raise DomainError("must have at least two labels (e.g. example.com)")
    if len(ascii_form) > 253 or not all(_LABEL.match(label) for label in labels):
        raise DomainError("is not a valid domain name")
    if labels[-1].isdigit():
        raise DomainError("is not a valid domain name (numeric top-level label)")
    return unicode_form, ascii_form


def _plain_ascii(text: str) -> bool:
    """Letters, digits and hyphens only, no IDNA label (`xn--`) and no other `--` at
    positions 3–4, which IDNA reserves: IDNA would return such a name as it is."""
    return all(_LABEL.match(label) and label[2:4] != "--" for label in text.split("."))


def _idna_forms(text: str) -> tuple[str, str]:
    try:
        ascii_form = idna.encode(text, uts46=True).decode("ascii")
        return idna.decode(ascii_form), ascii_form
    except (idna.IDNAError, UnicodeError) as exc:
        raise DomainError(f"is not a valid domain name ({exc})") from None


def domain_ascii(domain: str) -> str:
    """The ASCII form used as lookup key; a name that does not encode stays lowercased."""
    if domain.isascii():
        return domain.strip().rstrip(".").lower()
    try:
        return domain_normalize(domain)[1]
    except DomainError:
        return domain.lower()
