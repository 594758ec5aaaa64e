"""Reading the KaziWhmcs plugin's answers (see the shared protocol, "Answers")."""

import re
from typing import NamedTuple

from . import phpserial
from .errors import (
    PanelLockedOut,
    PanelLoginRefused,
    PanelPermanentError,
    PanelTransientError,
    PanelUsageUnsupported,
)

SUCCESS = "success"
REFUSAL_PREFIX = "KaziWhmcs: "
MUTATING = frozenset({"create", "suspend", "unsuspend", "terminate", "changepw"})
# The login's own refusals (iMSCP_Authentication), alone or joined with " - ".
LOGIN_REFUSALS = frozenset(
    {
        "Bad password.",
        "Unknown username.",
        "The username field is empty.",
        "The password field is empty.",
        "Unable to login",
    }
)
# The brute-force plugin's refusals, both i-MSCP families (protocol, "Brute-force
# protection"): the time is PHP's strftime('%M:%S') of what is left.
_LOCKED_OUT = re.compile(
    r"(?:Ip \S+|\S+ IP address) is (?:waiting|blocked for) ([0-9]{1,2}):([0-9]{2}) "
    r"(?:seconds|minutes)\."
)


class UsageEntry(NamedTuple):
    domain: str  # Unicode, as the panel reports it
    diskusage: int  # MB (decimal)
    disklimit: int  # MiB, 0 unlimited, -1 disabled
    bwusage: int
    bwlimit: int


def locked_out_check(page: str) -> None:
    """Raise PanelLockedOut if a panel page shows the brute-force protection's refusal."""
    if locked := _LOCKED_OUT.search(page):
        minutes, seconds = int(locked[1]), int(locked[2])
        raise PanelLockedOut(REFUSAL_PREFIX + locked[0], seconds=minutes * 60 + seconds)


def login_passed(action: str, status: int, body: str) -> bool:
    """Whether the answer shows that the reseller's login worked (call it once the login's
    own refusals are ruled out): the plugin's success, refusals and lists come after the
    login, and so does `Bad request` to a request with every login field."""
    text = body.strip()
    if status == 200:
        return (
            text == SUCCESS
            or text.startswith(REFUSAL_PREFIX)
            or text.startswith("a:")
            or (action == "create" and not text)  # the create ran and lost its message
        )
    return status == 400 and text == "Bad request"


def answer_check(action: str, status: int, body: str, *, login_only: bool = False) -> None:
    """Raise the matching PanelError unless the answer is exactly `success`.

    `login_only`: raise only for the login's own refusals (the reseller's login failed, or
    the address is locked out), whatever the action."""
    text = body.strip()
    if status == 200 and text == SUCCESS:
        return
    if status == 200 and text.startswith(REFUSAL_PREFIX):
        reason = text.removeprefix(REFUSAL_PREFIX)
        if _LOCKED_OUT.fullmatch(reason):
            locked_out_check(reason)
        if reason and set(reason.split(" - ")) <= LOGIN_REFUSALS:
            raise PanelLoginRefused(text)
        if not login_only:
            raise PanelPermanentError(text)
    if login_only:
        return
    if status == 400 and text == "Bad request":
        raise PanelPermanentError("Bad request")
    unknown = action in MUTATING
    if status == 200 and not text and action == "create":
        raise PanelTransientError(
            "The panel answered an empty body to create: the account may or may not exist.",
            outcome_unknown=True,
        )
    if status >= 500 and text.startswith("An unexpected error occurred"):
        raise PanelTransientError(text, outcome_unknown=unknown)
    raise PanelTransientError(
        f"Not a KaziWhmcs answer (HTTP {status}): {text[:200]!r}",
        outcome_unknown=unknown,
        # A proxy in front of the panel saying that the panel is down or too slow.
        unreachable=status in (502, 503, 504),
    )


def usage_parse(status: int, body: str) -> list[UsageEntry]:
    """The usageupdate answer: a PHP-serialized list, or `success` for no customer."""
    text = body.strip()
    if status == 200 and text == SUCCESS:
        return []
    if status == 400 and text != "Bad request" and "<" in text:
        raise PanelUsageUnsupported(
            "This panel cannot report usage (KaziWhmcs 1.0.0 on i-MSCP 1.2.3 or later "
            "answers usageupdate with an error page)."
        )
    if status != 200 or not text.startswith("a:"):
        answer_check("usageupdate", status, body)
    fast = _usage_fast(text)
    if fast is not None:
        return fast
    try:
        rows = phpserial.loads(text)
        if not isinstance(rows, list):
            raise ValueError("not a list")
        return [_usage_entry(row) for row in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise PanelTransientError(f"Unreadable usage list from the panel: {exc}") from None


# The plugin's usage list, entry by entry, exactly as it writes it (protocol, "The usage
# list"): keys in this order, figures as integers, limits as digit strings. Parsing a
# 100,000-entry list with the general parser costs most of a second; this shape is read
# with one regular expression, and anything else (another key order, a quote in a domain,
# a float...) goes to the strict general parser, which also names the problem.
_USAGE_HEAD = re.compile(r"a:([0-9]+):\{")
_USAGE_ENTRY = re.compile(
    r'i:([0-9]+);a:5:\{s:6:"domain";s:([0-9]+):"([^"]*)";'
    r"s:9:\"diskusage\";i:(-?[0-9]+);"
    r's:9:"disklimit";s:([0-9]+):"(-?[0-9]+)";'
    r"s:7:\"bwusage\";i:(-?[0-9]+);"
    r's:7:"bwlimit";s:([0-9]+):"(-?[0-9]+)";\}'
)


def _usage_fast(text: str) -> list[UsageEntry] | None:
    """The entries of a usage list in the plugin's exact shape, or None for anything else.

    Strict within that shape: the matches must tile the whole array (their lengths add up
    to it), indexes run 0..n-1, the count is the announced one and every string length
    is its UTF-8 byte count, so what it accepts the general parser reads the same way."""
    head = _USAGE_HEAD.match(text)
    if head is None or not text.endswith("}"):
        return None
    pos, end = head.end(), len(text) - 1
    entries = []
    for index, match in enumerate(_USAGE_ENTRY.finditer(text, pos, end)):
        key, dlen, domain, du, dll, dl, bu, bll, bl = match.groups()
        if (
            match.start() != pos
            or key != str(index)
            or len(dl) != int(dll)
            or len(bl) != int(bll)
            or len(domain.encode()) != int(dlen)
        ):
            return None
        pos = match.end()
        entries.append(UsageEntry(domain, int(du), int(dl), int(bu), int(bl)))
    return entries if pos == end and len(entries) == int(head[1]) else None


def _usage_entry(row: object) -> UsageEntry:
    if not isinstance(row, dict) or not isinstance(row.get("domain"), str):
        raise ValueError("an entry is not a map with a domain")
    return UsageEntry(
        domain=row["domain"],
        diskusage=_integer(row["diskusage"]),
        disklimit=_integer(row["disklimit"]),
        bwusage=_integer(row["bwusage"]),
        bwlimit=_integer(row["bwlimit"]),
    )


def _integer(value: object) -> int:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(f"expected a number, got {value!r}")
