"""Incidents and their alerts: a read-only journal, written by the worker's rules."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..models import Alert, Incident
from .display import badge
from .permissions import ReadOnly


class OpenFilter(admin.SimpleListFilter):
    title = "open"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Open"), ("no", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(resolved_at=None)
        if self.value() == "no":
            return queryset.exclude(resolved_at=None)
        return queryset


class AlertInline(ReadOnly, admin.TabularInline):
    model = Alert
    fields = [
        "event",
        "channel",
        "created_at",
        "sent_at",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False


def _link(name: str, pk: int | None, text: object) -> str:
    if pk is None:
        return "-"
    return format_html(
        '<a href="{}">{}</a>', reverse(f"admin:provisioning_{name}_change", args=[pk]), text
    )


@admin.register(Incident)
class IncidentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "opened_at", "kind", "title", "state", "occurrences", "resolved_at"]
    list_display_links = ["id", "opened_at", "title"]
    list_filter = [OpenFilter, "kind", "server", "opened_at"]
    search_fields = ["title", "service__domain", "service__domain_ascii"]
    list_per_page = 100
    inlines = [AlertInline]
    fields = [
        "kind",
        "title",
        "state",
        "occurrences",
        "opened_at",
        "last_seen_at",
        "resolved_at",
        "resolution",
        "detail",
        "latest_detail",
        "server_link",
        "service_link",
        "operation_link",
        "report_link",
        "command",
    ]
    readonly_fields = fields

    @admin.display(description="state")
    def state(self, incident: Incident) -> str:
        if incident.is_open:
            return badge("failed", "open")
        return badge("succeeded", "resolved")

    @admin.display(description="server")
    def server_link(self, incident: Incident) -> str:
        return _link("server", incident.server_id, incident.server)

    @admin.display(description="service")
    def service_link(self, incident: Incident) -> str:
        return _link("service", incident.service_id, incident.service)

    @admin.display(description="operation that opened it")
    def operation_link(self, incident: Incident) -> str:
        return _link("operation", incident.operation_id, f"#{incident.operation_id}")

    @admin.display(description="reconciliation report")
    def report_link(self, incident: Incident) -> str:
        return _link("reconcilereport", incident.report_id, incident.report)
