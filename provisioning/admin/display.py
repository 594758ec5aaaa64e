"""Small HTML pieces the admin pages share: status badges and usage bars (escaped)."""

from django.utils.html import format_html

from ..models import Operation, Service
from ..sizes import limit_exact_text, limit_mb, size_text, usage_percent

_BADGE_TONE = {
    Service.Status.PENDING: "neutral",
    Service.Status.ACTIVE: "good",
    Service.Status.SUSPENDED: "warn",
    Service.Status.TERMINATED: "muted",
    Service.Status.CANCELLED: "muted",
    Operation.State.QUEUED: "neutral",
    Operation.State.RUNNING: "info",
    Operation.State.RETRYING: "warn",
    Operation.State.SUCCEEDED: "good",
    Operation.State.FAILED: "bad",
}


def badge(value: str, label: str) -> str:
    tone = _BADGE_TONE.get(value, "neutral")
    return format_html('<span class="kz-badge kz-{}">{}</span>', tone, label)


def usage_bar(used: int | None, limit: int | None) -> str:
    """used / limit with a bar and %, in the sizes of provisioning.sizes (decimal units,
    the panel's MiB limit converted); a limit of 0 is unlimited, -1 disabled."""
    if used is None:
        return format_html('<span class="kz-muted">{}</span>', "no data")
    percent = None if limit is None else usage_percent(used, limit)
    if percent is None:
        note = "limit unknown" if limit is None else "unlimited" if limit == 0 else "disabled"
        return format_html(
            '<span class="kz-usage">{}<br><small><em>{}</em></small></span>', size_text(used), note
        )
    tone = "bad" if percent >= 90 else "warn" if percent >= 75 else "good"
    return format_html(
        '<span class="kz-usage" title="{} used of {}">'
        '<span class="kz-bar"><span class="kz-fill kz-{}" style="width:{}%"></span></span>'
        " {}&nbsp;%<br><small>{} of {}</small></span>",
        f"{used:,} MB",
        limit_exact_text(limit),
        tone,
        min(percent, 100),
        percent,
        size_text(used),
        size_text(limit_mb(limit)),
    )
