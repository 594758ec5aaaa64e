from django.urls import path

from . import webhooks

app_name = "provisioning"

urlpatterns = [
    path("webhooks/whmcs/", webhooks.webhook_receive, name="webhook"),
    path("webhooks/whmcs/openapi.json", webhooks.openapi_document, name="webhook-openapi"),
    path(
        "webhooks/whmcs/operations/<int:operation_id>/",
        webhooks.operation_status,
        name="operation-status",
    ),
]
