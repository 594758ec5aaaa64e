"""The journal: read-only, with a Retry for failed operations."""

import json

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from ..models import Attempt, Operation
from ..operations.plan_changes import plan_change_mark_done
from ..redaction import redact_mapping
from .display import badge
from .permissions import ReadOnly, who
from .service_actions import operations_retry


class AttemptInline(ReadOnly, admin.TabularInline):
    model = Attempt
    fields = ["number", "started_at", "finished_at", "duration", "outcome", "answer"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    classes = ["kz-ops"]

    @admin.display(description="duration")
    def duration(self, attempt: Attempt) -> str:
        return f"{attempt.duration_ms:,} ms"


@admin.register(Operation)
class OperationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "command",
        "target",
        "state_badge",
        "attempts",
        "duration",
        "short_result",
        "asked_by",
    ]
    list_display_links = ["id", "created_at"]
    list_select_related = ["service", "server"]
    list_filter = ["state", "command", "server", "source", "created_at"]
    search_fields = ["service__domain", "service__domain_ascii", "=service__whmcs_id"]
    list_per_page = 100
    actions = ["retry_operations", "mark_plan_changes_done"]
    inlines = [AttemptInline]
    fields = [
        "command",
        "target",
        "state_badge",
        "outcome",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "next_attempt_at",
        "duration",
        "asked_by",
        "told_whmcs",
        "request_summary",
        "panel_answer",
        "usage_rows",
    ]
    readonly_fields = fields

    class Media:
        css = {"all": ["provisioning/admin.css"]}

    def has_retry_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.display(description="service / server")
    def target(self, op: Operation) -> str:
        if op.service_id:
            url = reverse("admin:provisioning_service_change", args=[op.service_id])
            return format_html('<a href="{}">{}</a>', url, op.service.domain)
        url = reverse("admin:provisioning_server_change", args=[op.server_id])
        return format_html('<a href="{}">{}</a>', url, op.server)

    @admin.display(description="state", ordering="state")
    def state_badge(self, op: Operation) -> str:
        label = op.get_state_display()
        if op.outcome_unknown and not op.finished:
            label += " (outcome unknown)"
        return badge(op.state, label)

    @admin.display(description="outcome unknown")
    def outcome(self, op: Operation) -> str:
        if not op.outcome_unknown:
            return "no"
        return "yes: the last attempt may have acted, check the panel first"

    @admin.display(description="duration")
    def duration(self, op: Operation) -> str:
        if op.started_at is None or op.finished_at is None:
            return "-"
        seconds = (op.finished_at - op.started_at).total_seconds()
        return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"

    @admin.display(description="result")
    def short_result(self, op: Operation) -> str:
        text = op.result or ""
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description="asked by")
    def asked_by(self, op: Operation) -> str:
        if op.requested_by:
            return f"{op.get_source_display()}: {op.requested_by}"
        return op.get_source_display()

    @admin.display(description="in WHMCS")
    def told_whmcs(self, op: Operation) -> str:
        """What WHMCS's Module Queue hook did about it (each once)."""
        notices = op.whmcs_notices.order_by("created_at")
        return (
            "; ".join(f"{n.get_kind_display()} at {n.created_at:%Y-%m-%d %H:%M}" for n in notices)
            or "-"
        )

    @admin.display(description="request (secrets as ***)")
    def request_summary(self, op: Operation) -> str:
        text = json.dumps(redact_mapping(op.request), indent=2, ensure_ascii=False)
        return format_html('<pre class="kz-pre">{}</pre>', text)

    @admin.display(description="panel answer (verbatim)")
    def panel_answer(self, op: Operation) -> str:
        if op.result is None:
            return "-"
        return format_html('<pre class="kz-pre">{}</pre>', op.result)

    @admin.display(description="usage rows")
    def usage_rows(self, op: Operation) -> str:
        return "-" if op.usage is None else f"{len(op.usage)} accounts"

    @admin.action(description="Retry (failed operations only)", permissions=["retry"])
    def retry_operations(self, request, queryset):
        outcome = operations_retry(
            queryset.select_related("server", "service"), requested_by=who(request)
        )
        level = messages.WARNING if outcome.skipped else messages.SUCCESS
        self.message_user(request, outcome.summary("Retry"), level)

    @admin.action(
        description="Mark plan change done (changed on the panel by hand)", permissions=["retry"]
    )
    def mark_plan_changes_done(self, request, queryset):
        done = sum(plan_change_mark_done(op, admin=who(request)) for op in queryset)
        skipped = queryset.count() - done
        text = f"Plan changes marked done: {done}"
        if skipped:
            text += f"; {skipped} not a plan change still owed, left as they were"
        self.message_user(request, text + ".", messages.WARNING if skipped else messages.SUCCESS)
