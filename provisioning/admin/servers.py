"""Servers: the panels, their connection state, and the buttons that act on one panel."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from ..models import Client, Operation, Product, Server, Service
from ..operations.journal import panel_login_record
from ..panels.access import server_hold_lift, server_pause_text
from ..panels.account_lists import NoTrustedList, account_entries
from ..panels.account_sync import ImportProblem, account_sync_report, accounts_import
from ..panels.imscp.client import panel_base_url
from ..panels.imscp.errors import PanelError
from ..panels.login_page import panel_login_response
from .permissions import require_permission, who
from .service_actions import server_connection_test, server_usage_import

Status = Service.Status


class ServerForm(forms.ModelForm):
    reseller_password = forms.CharField(
        label="Reseller password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: never shown. Leave empty to keep the current password.",
    )

    class Meta:
        model = Server
        fields = [
            "name",
            "whmcs_id",
            "active",
            "hostname",
            "ip_address",
            "port",
            "secure",
            "verify_tls",
            "ca_bundle",
            "endpoint_path",
            "max_concurrency",
            "reseller_username",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin lists this field in the form's fields, so Django would copy "" onto
        # the instance: keep the stored one unless a new one is typed.
        self._kept_password = self.instance.reseller_password

    def clean_reseller_password(self) -> str:
        password = self.cleaned_data["reseller_password"]
        if not password and not (self.instance.pk and self.instance.reseller_password):
            raise forms.ValidationError("A new server needs the reseller's password.")
        return password

    def save(self, commit: bool = True) -> Server:
        self.instance.reseller_password = (
            self.cleaned_data["reseller_password"] or self._kept_password
        )
        return super().save(commit)

    @property
    def credentials_changed(self) -> bool:
        typed = self.cleaned_data.get("reseller_password")
        return "reseller_username" in self.changed_data or bool(
            typed and typed != self._kept_password
        )


def _count(status: str) -> Count:
    return Count("services", filter=Q(services__status=status))


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):
    form = ServerForm
    list_display = [
        "__str__",
        "whmcs_id",
        "panel_url",
        "reseller",
        "tls_state",
        "services_by_status",
        "last_test",
        "active",
    ]
    list_filter = ["active", "last_test_ok", "verify_tls"]
    search_fields = ["name", "hostname", "ip_address", "reseller_username", "=whmcs_id"]
    readonly_fields = ["last_test", "last_test_message", "usage_support", "pause"]
    fieldsets = [
        (None, {"fields": ["name", "whmcs_id", "active"]}),
        (
            "Panel",
            {
                "fields": [
                    "hostname",
                    "ip_address",
                    "port",
                    "secure",
                    "verify_tls",
                    "ca_bundle",
                    "endpoint_path",
                    "max_concurrency",
                ]
            },
        ),
        ("Reseller", {"fields": ["reseller_username", "reseller_password"]}),
        ("State", {"fields": ["last_test", "last_test_message", "usage_support", "pause"]}),
    ]

    class Media:
        css = {"all": ["provisioning/admin.css"]}

    @admin.display(description="Calls to the panel")
    def pause(self, server: Server) -> str:
        return server_pause_text(server) or "Not paused."

    def save_model(self, request: HttpRequest, obj: Server, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and form.credentials_changed and server_hold_lift(obj.pk):
            obj.login_refused = ""
            messages.info(request, "The server's held operations may try the new credentials.")

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(**{f"n_{value}": _count(value) for value in Status.values})
        )

    @admin.display(description="panel URL")
    def panel_url(self, server: Server) -> str:
        return panel_base_url(server) if server.host else "-"

    @admin.display(description="reseller", ordering="reseller_username")
    def reseller(self, server: Server) -> str:
        return server.reseller_username

    @admin.display(description="TLS", ordering="verify_tls")
    def tls_state(self, server: Server) -> str:
        if not server.secure:
            return format_html(
                '<span class="kz-badge kz-bad" title="{}">⚠ plain HTTP</span>',
                "The reseller password travels unencrypted.",
            )
        if not server.verify_tls:
            return format_html(
                '<span class="kz-badge kz-bad" title="{}">⚠ not verified</span>',
                "The panel's certificate is not checked: anyone in between can read the "
                "reseller password.",
            )
        return format_html('<span class="kz-badge kz-good">{}</span>', "verified")

    @admin.display(description="services")
    def services_by_status(self, server: Server) -> str:
        url = reverse("admin:provisioning_service_changelist")
        links = [
            format_html(
                '<a href="{}?server__id__exact={}&amp;status__exact={}">{} {}</a>',
                url,
                server.pk,
                value,
                count,
                label.lower(),
            )
            for value, label in Status.choices
            if (count := getattr(server, f"n_{value}", 0))
        ]
        return format_html("<br>".join(["{}"] * len(links)), *links) if links else "none"

    @admin.display(description="last connection test", ordering="last_test_at")
    def last_test(self, server: Server) -> str:
        if server.last_test_at is None:
            return format_html('<span class="kz-muted">{}</span>', "never tested")
        tone, word = ("good", "OK") if server.last_test_ok else ("bad", "error")
        return format_html(
            '<span class="kz-badge kz-{}" title="{}">{}</span><br><small>{} ago</small>',
            tone,
            server.last_test_message,
            word,
            timesince(server.last_test_at, depth=1),
        )

    @admin.display(description="usage reports")
    def usage_support(self, server: Server) -> str:
        if server.usage_supported:
            return "supported"
        return "not supported by this panel (KaziWhmcs 1.0.0 on i-MSCP 1.2.3 or later)"

    # --- buttons ---------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/panel-login/",
                wrap(require_POST(self.panel_login_view)),
                name="provisioning_server_panel_login",
            ),
            path(
                "<int:object_id>/test-connection/",
                wrap(require_POST(self.test_connection_view)),
                name="provisioning_server_test_connection",
            ),
            path(
                "<int:object_id>/import-usage/",
                wrap(require_POST(self.import_usage_view)),
                name="provisioning_server_import_usage",
            ),
            path(
                "<int:object_id>/sync-accounts/",
                wrap(self.sync_accounts_view),
                name="provisioning_server_sync_accounts",
            ),
            *super().get_urls(),
        ]

    def _server(self, request: HttpRequest, object_id: int, allowed) -> Server:
        server = get_object_or_404(Server, pk=object_id)
        require_permission(lambda r: allowed(r, server), request)
        return server

    def _back(self, server: Server) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:provisioning_server_change", args=[server.pk]))

    def panel_login_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        server = self._server(request, object_id, self.has_change_permission)
        panel_login_record(request, server, None, who(request), Operation.Source.ADMIN)
        return panel_login_response(server, server.reseller_username, server.reseller_password)

    def test_connection_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        server = self._server(request, object_id, self.has_change_permission)
        op = server_connection_test(server, requested_by=who(request))
        if op.state == Operation.State.SUCCEEDED:
            self.message_user(request, "Connection OK: logged in as the reseller.")
        elif op.state == Operation.State.FAILED:
            self.message_user(request, f"Connection failed: {op.result}", messages.ERROR)
        elif op.state == Operation.State.RETRYING:
            self.message_user(
                request,
                f"Connection failed: {op.result} (the test will be retried).",
                messages.ERROR,
            )
        else:
            self.message_user(
                request, "A connection test of this server is already running.", messages.WARNING
            )
        return self._back(server)

    def import_usage_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        server = self._server(request, object_id, self.has_change_permission)
        op, created = server_usage_import(server, requested_by=who(request))
        verb = "queued" if created else "was already queued"
        self.message_user(request, f"Usage import {verb} (operation #{op.pk}).")
        return self._back(server)

    def sync_accounts_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        server = self._server(request, object_id, self.has_view_permission)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": server,
            "title": f"Accounts of {server} — panel and bridge",
            "products": Product.objects.order_by("name", "whmcs_id"),
            "clients": Client.objects.order_by("lastname", "firstname", "whmcs_id"),
            "can_import": request.user.has_perm("provisioning.add_service"),
        }
        try:
            entries = account_entries(server)
        except NoTrustedList as exc:
            context["unsupported"] = exc.message
            return TemplateResponse(
                request, "admin/provisioning/server/sync_accounts.html", context
            )
        except PanelError as exc:
            context["panel_error"] = exc.message
            return TemplateResponse(
                request, "admin/provisioning/server/sync_accounts.html", context
            )
        if request.method == "POST":
            if not context["can_import"]:
                raise PermissionDenied
            result = self._import(request, server, entries)
            if result is not None:
                return result
        context["report"] = account_sync_report(server, entries)
        return TemplateResponse(request, "admin/provisioning/server/sync_accounts.html", context)

    def _import(self, request: HttpRequest, server: Server, entries) -> HttpResponse | None:
        wanted, problems = {}, []
        for domain in request.POST.getlist("domain"):
            raw = request.POST.get(f"whmcs_id:{domain}", "").strip()
            if not raw.isdigit():
                problems.append(f"{domain}: give the account's WHMCS service id (a number)")
            else:
                wanted[domain] = int(raw)
        product = Product.objects.filter(pk=request.POST.get("product") or None).first()
        client = Client.objects.filter(pk=request.POST.get("client") or None).first()
        if product is None or client is None:
            problems.append("choose a product and a client")
        if not problems:
            try:
                created = accounts_import(
                    server, wanted, product=product, client=client, entries=entries
                )
            except ImportProblem as exc:
                problems.append(str(exc))
        if problems:
            self.message_user(request, "Nothing imported: " + "; ".join(problems), messages.ERROR)
            return None
        self.message_user(
            request,
            f"Imported {len(created)} account(s) as active services: "
            + ", ".join(service.domain for service in created),
        )
        return HttpResponseRedirect(request.path)
