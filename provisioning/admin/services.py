"""Services: the hosting accounts, their usage, and the commands an operator sends."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from ..models import Operation, Service
from ..operations.debts import suspensions_owed_operations
from ..operations.journal import panel_login_record
from ..panels.imscp.client import panel_base_url
from ..panels.login_page import panel_login_response
from ..signing import client_area_query
from ..templatetags.domain_wrap import domain_wrap
from .display import badge, usage_bar
from .permissions import ReadOnly, require_permission, who
from .service_actions import (
    services_command,
    services_ownership_confirm,
    services_usage_refresh,
)
from .service_forms import ChangePasswordForm, ServiceForm

Command = Operation.Command


def _last_operation(field: str) -> Subquery:
    """A service's latest operation (panel logins are not commands), one column of it."""
    return Subquery(
        Operation.objects.filter(service=OuterRef("pk"))
        .exclude(command=Command.PANEL_LOGIN)
        .order_by("-id")
        .values(field)[:1]
    )


class LastOperationFilter(admin.SimpleListFilter):
    title = "last operation"
    parameter_name = "last_operation"

    def lookups(self, request, model_admin):
        return [("failed", "Failed"), ("unfinished", "Not finished yet"), ("none", "None")]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(last_op_state=Operation.State.FAILED)
        if self.value() == "unfinished":
            return queryset.filter(last_op_state__in=Operation.UNFINISHED)
        if self.value() == "none":
            return queryset.filter(last_op_state__isnull=True)
        return queryset


class SuspensionFilter(admin.SimpleListFilter):
    title = "suspension"
    parameter_name = "suspension"

    def lookups(self, request, model_admin):
        return [("unapplied", "Billing says suspended, panel says active")]

    def queryset(self, request, queryset):
        if self.value() == "unapplied":
            return queryset.filter(pk__in=suspensions_owed_operations().values("service_id"))
        return queryset


class OperationInline(ReadOnly, admin.TabularInline):
    model = Operation
    fk_name = "service"
    verbose_name_plural = "operations (newest first)"
    fields = ["link", "created_at", "command", "state_badge", "attempts", "short_result", "who"]
    readonly_fields = fields
    ordering = ["-id"]
    extra = 0
    can_delete = False
    show_change_link = False
    classes = ["kz-ops"]

    @admin.display(description="operation")
    def link(self, op: Operation) -> str:
        url = reverse("admin:provisioning_operation_change", args=[op.pk])
        return format_html('<a href="{}">#{}</a>', url, op.pk)

    @admin.display(description="state")
    def state_badge(self, op: Operation) -> str:
        return badge(op.state, op.get_state_display())

    @admin.display(description="result")
    def short_result(self, op: Operation) -> str:
        text = op.result or ""
        return text if len(text) <= 120 else text[:119] + "…"

    @admin.display(description="asked by")
    def who(self, op: Operation) -> str:
        return op.requested_by or op.get_source_display()


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceForm
    list_display = [
        "domain_display",
        "client",
        "product_server",
        "status_badge",
        "disk",
        "bandwidth",
        "last_operation",
        "usage_age",
    ]
    list_select_related = ["client", "product", "server"]
    list_filter = ["status", "server", "product", LastOperationFilter, SuspensionFilter]
    search_fields = [
        "domain",
        "domain_ascii",
        "client__firstname",
        "client__lastname",
        "client__companyname",
        "client__email",
        "=whmcs_id",
        "=client__whmcs_id",
    ]
    list_per_page = 50
    inlines = [OperationInline]
    actions = [
        "create_accounts",
        "suspend_accounts",
        "unsuspend_accounts",
        "terminate_accounts",
        "change_passwords",
        "refresh_usage",
        "confirm_ownership",
    ]
    readonly_fields = [
        "status_badge",
        "on_panel",
        "disk",
        "bandwidth",
        "usage_updated_at",
        "client_area_link",
    ]

    class Media:
        css = {"all": ["provisioning/admin.css"]}

    def get_fieldsets(self, request, obj=None):
        main = ["whmcs_id", "client", "product", "server", "domain", "username", "password"]
        if obj is None:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": main}),
            (
                "On the panel",
                {"fields": ["status_badge", "on_panel", "disk", "bandwidth", "usage_updated_at"]},
            ),
            # The link opens the client area, the customer's panel login included, to
            # whoever holds it: for those who may log in as the client here too.
            *(
                [("Client area", {"fields": ["client_area_link"]})]
                if self.has_change_permission(request, obj)
                else []
            ),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_op_state=_last_operation("state"),
                last_op_command=_last_operation("command"),
            )
        )

    @admin.display(description="domain (WHMCS id)", ordering="domain")
    def domain_display(self, service: Service) -> str:
        domain = domain_wrap(service.domain)
        if service.domain_ascii and service.domain_ascii != service.domain:
            domain = format_html(
                '<span title="{}" class="kz-idn">{}</span>', service.domain_ascii, domain
            )
        return format_html('{}<br><small class="kz-muted">#{}</small>', domain, service.whmcs_id)

    @admin.display(description="product / server", ordering="product__name")
    def product_server(self, service: Service) -> str:
        return format_html(
            '{}<br><small class="kz-muted">{}</small>', service.product, service.server
        )

    @admin.display(description="status", ordering="status")
    def status_badge(self, service: Service) -> str:
        return badge(service.status, service.get_status_display())

    @admin.display(description="disk")
    def disk(self, service: Service) -> str:
        return usage_bar(service.disk_usage, service.disk_limit)

    @admin.display(description="bandwidth")
    def bandwidth(self, service: Service) -> str:
        return usage_bar(service.bw_usage, service.bw_limit)

    @admin.display(description="usage updated", ordering="usage_updated_at")
    def usage_age(self, service: Service) -> str:
        if service.usage_updated_at is None:
            return format_html('<span class="kz-muted">{}</span>', "never")
        return format_html(
            '<span title="{}">{} ago</span>',
            service.usage_updated_at.isoformat(timespec="minutes"),
            timesince(service.usage_updated_at, depth=1),
        )

    @admin.display(description="last operation", ordering="last_op_state")
    def last_operation(self, service: Service) -> str:
        state = getattr(service, "last_op_state", None)
        if state is None:
            return format_html('<span class="kz-muted">{}</span>', "none")
        return format_html(
            '{}<br><small class="kz-muted">{}</small>',
            badge(state, Operation.State(state).label.capitalize()),
            service.last_op_command,
        )

    @admin.display(description="client-area link")
    def client_area_link(self, service: Service) -> str:
        if not service.pk:
            return "-"
        link = f"/client/services/{service.whmcs_id}/?{client_area_query(service.whmcs_id)}"
        minutes = settings.CLIENT_AREA_LINK_SECONDS // 60
        return format_html(
            '<span class="kz-copy"><input type="text" readonly id="kz-client-link" '
            'value="{}" data-path="{}" size="80">'
            ' <button type="button" class="button" data-copy="kz-client-link">Copy</button>'
            '</span><div class="help">Signed for this service, valid for {} minutes '
            "from when this page was opened.</div>",
            link,
            link,
            minutes,
        )

    # --- per-service buttons -----------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/panel-login/",
                wrap(require_POST(self.panel_login_view)),
                name="provisioning_service_panel_login",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        service = Service.objects.select_related("server").filter(pk=object_id).first()
        extra = {}
        if service is not None:
            extra = {
                "panel_url": panel_base_url(service.server) + "/",
                "can_login_as_client": bool(service.password)
                and service.status in (Service.Status.ACTIVE, Service.Status.SUSPENDED),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def panel_login_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        service = get_object_or_404(Service.objects.select_related("server"), pk=object_id)
        require_permission(lambda r: self.has_change_permission(r, service), request)
        if not service.password:
            self.message_user(
                request, "The bridge holds no password for this account.", messages.ERROR
            )
            return HttpResponseRedirect(
                reverse("admin:provisioning_service_change", args=[service.pk])
            )
        panel_login_record(request, service.server, service, who(request), Operation.Source.ADMIN)
        return panel_login_response(service.server, service.domain_ascii, service.password)

    # --- bulk actions --------------------------------------------------------------------

    def _run(self, request, queryset, command: str, verb: str, password_for=None) -> None:
        services = queryset.select_related("server", "client", "product")
        outcome = services_command(
            command, services, requested_by=who(request), password_for=password_for
        )
        level = messages.WARNING if outcome.skipped else messages.SUCCESS
        self.message_user(request, outcome.summary(verb), level)

    @admin.action(description="Create on the panel", permissions=["change"])
    def create_accounts(self, request, queryset):
        self._run(request, queryset, Command.CREATE, "Create")

    @admin.action(description="Suspend", permissions=["change"])
    def suspend_accounts(self, request, queryset):
        self._run(request, queryset, Command.SUSPEND, "Suspend")

    @admin.action(description="Unsuspend", permissions=["change"])
    def unsuspend_accounts(self, request, queryset):
        self._run(request, queryset, Command.UNSUSPEND, "Unsuspend")

    @admin.action(description="Terminate…", permissions=["change"])
    def terminate_accounts(self, request, queryset):
        if request.POST.get("confirmed") == "yes":
            self._run(request, queryset, Command.TERMINATE, "Terminate")
            return None
        return self._confirmation(request, queryset, "terminate_accounts", "Terminate accounts")

    @admin.action(description="Change password…", permissions=["change"])
    def change_passwords(self, request, queryset):
        form = ChangePasswordForm(request.POST if "how" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._run(
                request,
                queryset,
                Command.CHANGE_PASSWORD,
                "Change password",
                password_for=form.password_for(),
            )
            return None
        return self._confirmation(
            request, queryset, "change_passwords", "Change passwords", form=form
        )

    @admin.action(description="Refresh usage (their servers)", permissions=["change"])
    def refresh_usage(self, request, queryset):
        outcome = services_usage_refresh(
            queryset.select_related("server"), requested_by=who(request)
        )
        self.message_user(request, outcome.summary("Usage import of their servers"))

    @admin.action(description="Confirm ownership on the panel…", permissions=["change"])
    def confirm_ownership(self, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return self._confirmation(
                request, queryset, "confirm_ownership", "Confirm the accounts' ownership"
            )
        confirmed = services_ownership_confirm(queryset, requested_by=who(request))
        self.message_user(
            request,
            f"Ownership confirmed for {len(confirmed)} account(s): retry their failed "
            "operations now.",
        )
        return None

    def _confirmation(self, request, queryset, action: str, title: str, form=None):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "action": action,
            "services": list(queryset.select_related("server").order_by("domain")),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "form": form,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/provisioning/service/confirm_action.html", context)
