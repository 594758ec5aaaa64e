"""The reseller's account list, and whether it can be trusted.

The panel has no "list accounts" action: its usageupdate answer lists every domain of the
reseller, so that is the list. Some panels cannot give one (KaziWhmcs 1.0.0 on i-MSCP
1.2.3+ answers an error page), and on those the answer may also parse well and name other
customers (the plugin passes domain ids where the core expects admin ids). A list is
trusted only when it lacks none of the bridge's accounts on that panel, and there is at
least one to check: otherwise it is not trusted for anything."""

from dataclasses import dataclass, field

from ..domains import domain_ascii
from ..models import Server, Service
from .access import panel_access
from .imscp import client as panel
from .imscp.answers import UsageEntry
from .imscp.errors import PanelUsageUnsupported

UNSUPPORTED = (
    "this panel cannot list accounts (KaziWhmcs 1.0.0 on i-MSCP 1.2.3+ answers usageupdate "
    "with an error page)"
)


class NoTrustedList(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class AccountList:
    """The reseller's accounts by ASCII domain, and whether the bridge may rely on them."""

    accounts: dict[str, UsageEntry] = field(default_factory=dict)
    why_not: str = ""  # why the list is missing or not trusted; "" when trusted
    missing: list[str] = field(default_factory=list)  # the bridge's accounts it lacks

    @property
    def trusted(self) -> bool:
        return not self.why_not

    def has(self, domain: str) -> bool | None:
        """Whether the list names the domain; None when there is no list to trust."""
        return domain_ascii(domain) in self.accounts if self.trusted else None


def account_list_trust(server: Server, entries: list[UsageEntry]) -> AccountList:
    """The entries as a list the bridge may rely on, unless they lack its own accounts."""
    found = AccountList({domain_ascii(entry.domain): entry for entry in entries})
    made = (
        Service.objects.filter(server=server, on_panel=True)
        .exclude(status=Service.Status.TERMINATED)
        .values_list("domain_ascii", "domain")
    )
    found.missing = sorted(domain for key, domain in made if key not in found.accounts)
    if not made:
        # Nothing to check it against (a new install, a migration): exactly where a list
        # that names other customers would go unnoticed.
        found.why_not = (
            "the bridge has no account on this server yet to check the panel's account list "
            "against, so it is not trusted"
        )
    elif found.missing:
        shown = ", ".join(found.missing[:5]) + (" and more" if len(found.missing) > 5 else "")
        found.why_not = (
            f"the panel's account list lacks {len(found.missing)} account(s) the bridge made "
            f"there ({shown}), so it is not trusted"
        )
    return found


def account_list(server: Server, target: panel.PanelTarget) -> AccountList:
    """Ask the panel for the reseller's accounts (one call)."""
    try:
        entries = panel.usageupdate(target)
    except PanelUsageUnsupported:
        Server.objects.filter(pk=server.pk).update(usage_supported=False)
        return AccountList(why_not=UNSUPPORTED)
    return account_list_trust(server, entries)


def account_entries(server: Server) -> list[UsageEntry]:
    """The reseller's accounts, or NoTrustedList saying why the panel gives none to trust."""
    with panel_access(server) as target:
        found = account_list(server, target)
    if not found.trusted:
        raise NoTrustedList(f"The accounts cannot be compared: {found.why_not}.")
    return list(found.accounts.values())
