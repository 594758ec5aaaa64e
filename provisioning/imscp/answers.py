"""Reading the KaziWhmcs plugin's answers (see the shared protocol, "Answers")."""

from dataclasses import dataclass

from . import phpserial
from .errors import PanelPermanentError, PanelTransientError, PanelUsageUnsupported

SUCCESS = "success"
REFUSAL_PREFIX = "KaziWhmcs: "
MUTATING = frozenset({"create", "suspend", "unsuspend", "terminate", "changepw"})


@dataclass(frozen=True)
class UsageEntry:
    domain: str  # Unicode, as the panel reports it
    diskusage: int  # MB (decimal)
    disklimit: int  # MiB, 0 unlimited, -1 disabled
    bwusage: int
    bwlimit: int


def answer_check(action: str, status: int, body: str) -> None:
    """Raise the matching PanelError unless the answer is exactly `success`."""
    text = body.strip()
    if status == 200 and text == SUCCESS:
        return
    if status == 200 and text.startswith(REFUSAL_PREFIX):
        if " waiting " in text:
            # Brute-force lock of our IP: it lifts by itself; the bad password that caused it
            # was already reported as permanent by the attempt that received it.
            raise PanelTransientError(text)
        raise PanelPermanentError(text)
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
        f"Not a KaziWhmcs answer (HTTP {status}): {text[:200]!r}", outcome_unknown=unknown
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
    try:
        rows = phpserial.loads(text)
        if not isinstance(rows, list):
            raise ValueError("not a list")
        return [_usage_entry(row) for row in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise PanelTransientError(f"Unreadable usage list from the panel: {exc}") from None


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
