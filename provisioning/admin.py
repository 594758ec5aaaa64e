from django.contrib import admin

from .models import Client, Operation, Product, Server, Service


@admin.register(Server)
class ServerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "whmcs_id", "hostname", "reseller_username", "verify_tls", "active"]
    exclude = ["reseller_password"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["__str__", "whmcs_id", "plan_name"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["__str__", "whmcs_id", "email"]
    search_fields = ["firstname", "lastname", "email", "companyname"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["domain", "whmcs_id", "client", "server", "status", "disk_usage", "bw_usage"]
    list_select_related = ["client", "server"]
    list_filter = ["status", "server"]
    search_fields = ["domain", "domain_ascii"]
    exclude = ["password"]


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "command", "service", "server", "state", "attempts"]
    list_select_related = ["service", "server"]
    list_filter = ["state", "command"]
    exclude = ["secret"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
