"""Usage as the client reads it: figures, bars of the limit, and the daily history as SVG.

Sizes are written by provisioning.sizes (decimal units, limits converted from the
panel's MiB), days and numbers in the active language's conventions. The SVG is drawn
here, on the server, with presentation attributes only
(no inline style), so the page's Content-Security-Policy needs no 'unsafe-inline'."""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext

from ..sizes import limit_text, number_text, size_text, unit_for, unit_name, usage_percent

HISTORY_DAYS = 30
NO_HISTORY = gettext_lazy(
    "No usage has been recorded yet: the figures are imported from the control panel once a day."
)


@dataclass(frozen=True)
class UsageMeter:
    label: str
    measured: bool
    used_text: str = ""
    limit_text: str = ""
    percent: int | None = None
    level: str = "ok"  # ok, high, full: the bar's colour

    @property
    def bar_width(self) -> int:
        return min(self.percent or 0, 100)

    @property
    def summary(self) -> str:
        figures = {"label": self.label, "used": self.used_text, "limit": self.limit_text}
        if not self.measured:
            return gettext("%(label)s: not measured yet") % figures
        if self.percent is None:
            return gettext("%(label)s: %(used)s used, %(limit)s") % figures
        figures["percent"] = self.percent_text
        return gettext("%(label)s: %(used)s of %(limit)s (%(percent)s)") % figures

    @property
    def percent_text(self) -> str:
        return pgettext("a share in percent", "%(percent)s%%") % {"percent": self.percent}


def usage_meter(label: str, used_mb: int | None, limit_mib: int | None) -> UsageMeter:
    if used_mb is None or limit_mib is None:
        return UsageMeter(label, measured=False)
    percent = usage_percent(used_mb, limit_mib)
    if percent is None:
        return UsageMeter(label, True, size_text(used_mb), limit_text(limit_mib))
    level = "full" if percent >= 100 else "high" if percent >= 80 else "ok"
    return UsageMeter(label, True, size_text(used_mb), limit_text(limit_mib), percent, level)


@dataclass(frozen=True)
class HistoryDay:
    day: date
    disk: int | None
    bw: int | None


def history_days(samples: dict[date, tuple[int, int]], today: date) -> list[HistoryDay]:
    """The last HISTORY_DAYS days, oldest first; a day without a sample has None."""
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
    return [HistoryDay(d, *samples.get(d, (None, None))) for d in days]


def day_text(day: date) -> str:
    """A day on the chart's axis and in its tooltips: "26 Nov", "26. Nov.", "26 nov."."""
    # Translators: a date format (Django's `date` filter): day and abbreviated month.
    return date_format(day, pgettext("date format: a day on the usage chart", "j M"))


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^n at or above raw."""
    magnitude = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * magnitude >= raw * (1 - 1e-9):
            return step * magnitude
    return 10 * magnitude


def axis_ticks(highest_mb: float, intervals: int = 4) -> list[tuple[float, str]]:
    """(value in MB, label) from 0 up to the first tick at or above the highest figure.

    Steps of 1, 2 or 5 × 10^n MB, at most `intervals` of them, labelled in the one unit
    that suits the top tick (kB, MB, GB or TB) with as many decimals as the step needs:
    two labels never read the same."""
    if highest_mb <= 0:
        raise ValueError("an axis needs a figure above 0")
    step = _nice_step(highest_mb / intervals)
    count = max(1, math.ceil(highest_mb / step - 1e-9))
    unit, factor = unit_for(step * count)
    decimals = max(0, -math.floor(math.log10(step / factor) + 1e-9))
    ticks = [(0.0, "0")]
    for n in range(1, count + 1):
        ticks.append((n * step, f"{number_text(n * step / factor, decimals)} {unit_name(unit)}"))
    return ticks


def _num(value: float) -> str:
    return f"{value:.1f}"


WIDTH, HEIGHT = 420, 190
LEFT, RIGHT, TOP, BOTTOM = 60, 22, 10, 28


def history_chart_svg(
    chart_id: str, title: str, values: list[tuple[date, int | None]], color: str
) -> SafeString:
    """A bar per day; a missing day is a gap. Accessible as one image with a description
    (the page also offers the figures as a table). Only for a history with a figure above
    0: see `history_chart_empty` for the others."""
    measured = [v for _, v in values if v is not None]
    ticks = axis_ticks(max(measured, default=0))
    top = ticks[-1][0]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(values)
    parts = []
    for value, label in ticks:
        y = TOP + plot_h * (1 - value / top)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d0d7de" '
                'stroke-width="1"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end" '
                'dominant-baseline="middle" font-size="13" fill="#4b5563">{}</text>',
                LEFT,
                _num(y),
                WIDTH - RIGHT,
                _num(y),
                LEFT - 8,
                _num(y),
                label,
            )
        )
    for index, (day, value) in enumerate(values):
        x = LEFT + index * slot
        if value is not None:
            height = plot_h * value / top
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" rx="2" '
                    'fill="{}"><title>{}: {}</title></rect>',
                    _num(x + slot * 0.15),
                    _num(TOP + plot_h - height),
                    _num(slot * 0.7),
                    _num(max(height, 1)),
                    color,
                    day_text(day),
                    size_text(value),
                )
            )
        if (len(values) - 1 - index) % 7 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="13" '
                    'fill="#4b5563">{}</text>',
                    _num(x + slot / 2),
                    HEIGHT - 8,
                    day_text(day),
                )
            )
    first, last = values[0][0], values[-1][0]
    description = gettext(
        "%(title)s per day from %(first)s to %(last)s; lowest %(lowest)s, highest %(highest)s."
    ) % {
        "title": title,
        "first": day_text(first),
        "last": day_text(last),
        "lowest": size_text(min(measured)),
        "highest": size_text(max(measured)),
    }
    head = format_html(
        '<svg class="history-chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg" '
        'font-family="system-ui, sans-serif">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
    )
    return mark_safe(head + "".join(parts) + "</svg>")  # noqa: S308 - every part escaped above


def history_chart_empty(values: list[tuple[date, int | None]], zero_sentence: str) -> str:
    """What stands in place of a chart that would draw nothing but zeros, or "" when
    there is something to draw. `zero_sentence` is the chart's own (its figure's gender
    and case differ between languages), with %(days)s for the days shown."""
    measured = [v for _, v in values if v is not None]
    if not measured:
        return str(NO_HISTORY)
    if max(measured) == 0:
        return str(zero_sentence) % {"days": len(values)}
    return ""
