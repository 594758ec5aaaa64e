"""The `make run` demo's hosting accounts and their figures, which move day by day.

The figures are a plain function of the domain and the day, so the bridge's 30 days of
history and the demo panel's figures of today agree, and the panel's move each day."""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

DEMO_RESELLER = ("demo-reseller", "demo-reseller-pass")
# The panel's plans (the emulator's demo seed): limits in MiB.
DEMO_PLANS = {"Basic": (1000, 10_000), "Pro": (10_000, 100_000)}
# WHMCS products: id, name, i-MSCP plan ("Gold" does not exist on the panel).
DEMO_PRODUCTS = {
    "Basic": (1, "Demo hosting"),
    "Pro": (2, "Business hosting"),
    "Gold": (3, "Premium hosting"),
}
DISK_CYCLE_DAYS = 40  # disk usage grows for this many days, then a clean-up


@dataclass(frozen=True)
class DemoAccount:
    serviceid: int
    domain: str
    plan: str
    status: str  # the bridge's status
    client: str  # "First Last"
    age_days: int  # when it was created
    disk_mb: int  # around what its disk usage swings
    bw_mb_per_day: int
    story: str = ""  # what else happened to it: "suspended", "terminated", "failed", "owed"

    @property
    def on_panel(self) -> bool:
        return self.status in ("active", "suspended")

    @property
    def password(self) -> str:
        return f"Demo-{self.serviceid}-pass"

    @property
    def email(self) -> str:
        first, last = self.client.lower().split(" ", 1)
        return f"{first}.{last.replace(' ', '')}@example.net"


DEMO_ACCOUNTS = (
    DemoAccount(
        101,
        "bäckerei-müller-und-söhne.ferienwohnungen-überlingen.example",
        "Pro",
        "active",
        "Greta Müller",
        210,
        3400,
        520,
    ),
    DemoAccount(102, "shop.example.com", "Basic", "active", "Ada Lovelace", 400, 640, 210),
    DemoAccount(103, "atelier-lumière.example", "Basic", "active", "Camille Durand", 95, 180, 45),
    DemoAccount(104, "photo-studio.example.net", "Pro", "active", "Ravi Patel", 300, 8400, 2900),
    DemoAccount(105, "blog.example.org", "Basic", "active", "Lin Chen", 520, 930, 150),
    DemoAccount(
        106, "café-central.example", "Basic", "suspended", "Jonas Weber", 160, 420, 2, "suspended"
    ),
    DemoAccount(
        107, "old-forum.example.net", "Basic", "terminated", "Sam Taylor", 700, 0, 0, "terminated"
    ),
    DemoAccount(108, "new-client.example.com", "Gold", "pending", "Maria Rossi", 0, 0, 0, "failed"),
    DemoAccount(
        109, "late-payer.example.com", "Basic", "active", "Tom Becker", 250, 300, 80, "owed"
    ),
    DemoAccount(110, "agence-web.example.fr", "Pro", "active", "Léa Martin", 150, 2100, 700),
    DemoAccount(111, "hôtel-du-lac.example", "Basic", "active", "Anna Schmid", 12, 520, 260),
    DemoAccount(112, "cancelled-order.example.com", "Basic", "cancelled", "Chris Evans", 3, 0, 0),
)
# An account created on the panel by hand, which the bridge does not know.
PANEL_ONLY = DemoAccount(
    0, "legacy-site.example.org", "Basic", "active", "Old Customer", 900, 75, 5
)

_PROFILES = {account.domain: account for account in (*DEMO_ACCOUNTS, PANEL_ONLY)}
_DEFAULT = DemoAccount(0, "", "Basic", "active", "A Client", 0, 60, 25)


def _fraction(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) for these parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def demo_figures(domain: str, day: date) -> tuple[int, int]:
    """(disk used, bandwidth used this calendar month) on `day`, in decimal MB, as the
    panel would report them. An account the demo does not list gets modest figures."""
    profile = _PROFILES.get(domain, _DEFAULT)
    phase = int(_fraction(domain) * DISK_CYCLE_DAYS)
    cycle = ((day.toordinal() + phase) % DISK_CYCLE_DAYS) / DISK_CYCLE_DAYS
    wobble = _fraction(domain, day) - 0.5
    disk = round(profile.disk_mb * (0.85 + 0.2 * cycle + 0.03 * wobble))
    month_start = day.replace(day=1)
    bandwidth = sum(
        profile.bw_mb_per_day * (0.5 + _fraction(domain, "bw", month_start + timedelta(n)))
        for n in range(day.day)
    )
    return disk, round(bandwidth)
