"""Usage as the client reads it: figures, bars of the limit, and the daily history as SVG.

The panel reports usage in decimal MB and limits in MiB (0 unlimited, -1 disabled);
both are shown in decimal MB/GB so that a percentage compares like with like. The SVG
is drawn here, on the server, with presentation attributes only (no inline style), so
the page's Content-Security-Policy needs no 'unsafe-inline'."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

MIB_IN_MB = 1.048576
HISTORY_DAYS = 30


def megabytes_text(mb: float) -> str:
    """120 MB, 1.5 GB, 2.1 TB."""
    if mb < 1000:
        return f"{mb:,.0f} MB"
    if mb < 1000_000:
        return f"{mb / 1000:,.1f} GB"
    return f"{mb / 1000_000:,.1f} TB"


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
        if not self.measured:
            return f"{self.label}: not measured yet"
        if self.percent is None:
            return f"{self.label}: {self.used_text} used, {self.limit_text}"
        return f"{self.label}: {self.used_text} of {self.limit_text} ({self.percent}%)"


def usage_meter(label: str, used_mb: int | None, limit_mib: int | None) -> UsageMeter:
    if used_mb is None or limit_mib is None:
        return UsageMeter(label, measured=False)
    used_text = megabytes_text(used_mb)
    if limit_mib == 0:
        return UsageMeter(label, True, used_text, "unlimited")
    if limit_mib < 0:
        return UsageMeter(label, True, used_text, "not included in the plan")
    limit_mb = limit_mib * MIB_IN_MB
    percent = round(used_mb * 100 / limit_mb)
    level = "full" if percent >= 100 else "high" if percent >= 80 else "ok"
    return UsageMeter(label, True, used_text, megabytes_text(limit_mb), percent, level)


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
    return f"{day.day} {day:%b}"


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above value (tidy axis labels)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _num(value: float) -> str:
    return f"{value:.1f}"


WIDTH, HEIGHT = 420, 190
LEFT, RIGHT, TOP, BOTTOM = 60, 22, 10, 28


def history_chart_svg(
    chart_id: str, title: str, values: list[tuple[date, int | None]], color: str
) -> SafeString:
    """A bar per day; a missing day is a gap. Accessible as one image with a description
    (the page also offers the figures as a table)."""
    measured = [v for _, v in values if v is not None]
    top = _nice_ceiling(max(measured, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(values)
    parts = []
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d0d7de" '
                'stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" '
                'font-size="13" fill="#4b5563">{}</text>',
                LEFT,
                _num(y),
                WIDTH - RIGHT,
                _num(y),
                LEFT - 8,
                _num(y),
                megabytes_text(top * fraction),
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
                    megabytes_text(value),
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
    if measured:
        description = (
            f"{title} per day from {day_text(first)} to {day_text(last)}; "
            f"lowest {megabytes_text(min(measured))}, highest {megabytes_text(max(measured))}."
        )
    else:
        description = f"No {title.lower()} figures from {day_text(first)} to {day_text(last)}."
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
