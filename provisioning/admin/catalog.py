"""WHMCS products and clients, as the bridge mirrors them."""

from django.contrib import admin

from ..models import Client, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["__str__", "whmcs_id", "plan_name"]
    search_fields = ["name", "plan_name", "=whmcs_id"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["__str__", "whmcs_id", "companyname", "email", "country"]
    search_fields = ["firstname", "lastname", "email", "companyname", "=whmcs_id"]
