import json

from django.contrib import admin
from django.utils.html import format_html

from ..models import ReconcileReport
from .permissions import ReadOnly


@admin.register(ReconcileReport)
class ReconcileReportAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only: reports are written by `manage.py reconcile` and its daily schedule."""

    list_display = ["finished_at", "requested_by", "fixed", "drift"]
    fields = ["started_at", "finished_at", "requested_by", "fixed", "report_view"]
    readonly_fields = fields

    @admin.display(description="drift")
    def drift(self, report: ReconcileReport) -> str:
        totals = report.report.get("totals", {})
        return ", ".join(
            f"{totals.get(key, 0)} {label}"
            for key, label in (
                ("panel_only", "panel only"),
                ("bridge_only", "bridge only"),
                ("mismatches", "mismatches"),
            )
        )

    @admin.display(description="report")
    def report_view(self, report: ReconcileReport) -> str:
        return format_html("<pre>{}</pre>", json.dumps(report.report, indent=2, ensure_ascii=False))
