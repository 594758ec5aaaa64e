"""Small HTML pieces the admin pages share: status badges and usage bars (escaped)."""

from django.utils.html import format_html

from ..models import Operation, Service

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
    """used / limit with a bar and %; a limit of 0 is unlimited, -1 disabled."""
    if used is None:
        return format_html('<span class="kz-muted">{}</span>', "no data")
    if limit is None or limit <= 0:
        note = {None: "limit unknown", 0: "unlimited"}.get(limit, "disabled")
        return format_html(
            '<span class="kz-usage">{} MB<br><small><em>{}</em></small></span>', f"{used:,}", note
        )
    percent = round(100 * used / limit)
    tone = "bad" if percent >= 90 else "warn" if percent >= 75 else "good"
    return format_html(
        '<span class="kz-usage" title="{} MB of {} MB">'
        '<span class="kz-bar"><span class="kz-fill kz-{}" style="width:{}%"></span></span>'
        " {}&nbsp;%<br><small>{} / {} MB</small></span>",
        f"{used:,}",
        f"{limit:,}",
        tone,
        min(percent, 100),
        percent,
        f"{used:,}",
        f"{limit:,}",
    )
