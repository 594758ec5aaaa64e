"""Sizes as people read them: one presentation, in decimal units, on every page.

The panel reports usage in decimal MB (bytes / 1000², rounded) and its limits in MiB
(1024² bytes). Converting the usage would compound the panel's rounding, so the limits
are converted instead, exactly, and everything is shown in decimal units (kB, MB, GB,
TB: powers of 1000). The admin, the client area, its chart and the WHMCS module all say
"450 MB of 1.05 GB" for 450 MB used of a 1,000 MiB limit, and the share is the true one
(43 %, not the 45 % of 450 / 1,000).

Numbers follow the active language's conventions ("3.22 GB", "3,22 GB"), and so do
the units' symbols where a language has its own (French counts in octets: "3,22 Go");
the units stay decimal in every language."""

from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext_lazy

MB_PER_MIB = 1.048576  # 1024² / 1000²

# (unit, size in MB), largest first.
UNITS = (("TB", 1_000_000), ("GB", 1000), ("MB", 1), ("kB", 0.001))
UNIT_NAMES = {
    "TB": pgettext_lazy("size unit: 10^12 bytes", "TB"),
    "GB": pgettext_lazy("size unit: 10^9 bytes", "GB"),
    "MB": pgettext_lazy("size unit: 10^6 bytes", "MB"),
    "kB": pgettext_lazy("size unit: 10^3 bytes", "kB"),
}


def unit_name(unit: str) -> str:
    """A unit's symbol in the active language."""
    return str(UNIT_NAMES[unit])


def number_text(value: float, decimals: int) -> str:
    """A number with its thousands grouped, in the active language: 1,050.5 / 1.050,5."""
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def limit_mb(limit_mib: int) -> float:
    """A panel limit (MiB) in decimal MB."""
    return limit_mib * MB_PER_MIB


def unit_for(mb: float) -> tuple[str, float]:
    """The largest unit in which `mb` is at least 1 (kB below 1 MB)."""
    for unit, factor in UNITS:
        if mb >= factor:
            return unit, factor
    return UNITS[-1]


def size_text(mb: float) -> str:
    """A size given in MB, in the unit that suits it: whole kB and MB (the panel's figures
    are whole MB), GB and TB to three significant digits, so a column of figures lines
    up: 0 MB, 450 kB, 120 MB, 1.05 GB, 3.50 GB, 10.5 GB, 105 GB, 2.00 TB."""
    if mb <= 0:
        return f"0 {unit_name('MB')}"
    rounded = float(f"{mb:.3g}")  # first, so that 999.6 MB reads 1.00 GB, not 1,000 MB
    unit, factor = unit_for(rounded)
    value = rounded / factor
    if value >= 100 or unit in ("kB", "MB"):
        decimals = 0
    else:
        decimals = 1 if value >= 10 else 2
    return f"{number_text(value, decimals)} {unit_name(unit)}"


def usage_percent(used_mb: int, limit_mib: int) -> int | None:
    """The share of the limit used, in whole percent; None for an unlimited (0) or
    disabled (-1) limit."""
    if limit_mib <= 0:
        return None
    return round(used_mb * 100 / limit_mb(limit_mib))


def limit_text(limit_mib: int) -> str:
    """A panel limit as shown: its decimal size, or what 0 and -1 mean."""
    if limit_mib == 0:
        return gettext("unlimited")
    if limit_mib < 0:
        return gettext("not included in the plan")
    return size_text(limit_mb(limit_mib))


def limit_exact_text(limit_mib: int) -> str:
    """The limit as set on the panel and its exact decimal value, for an operator's
    tooltip: "1,000 MiB on the panel = 1,048.6 MB"."""
    if limit_mib <= 0:
        return limit_text(limit_mib)
    return f"{limit_mib:,} MiB on the panel = {limit_mb(limit_mib):,.1f} MB"
