from django.urls import path

from . import clientarea, health, metrics, webhooks

app_name = "provisioning"

urlpatterns = [
    path("webhooks/whmcs/", webhooks.webhook_receive, name="webhook"),
    path("webhooks/whmcs/openapi.json", webhooks.openapi_document, name="webhook-openapi"),
    path(
        "webhooks/whmcs/operations/<int:operation_id>/",
        webhooks.operation_status,
        name="operation-status",
    ),
    path(
        "client/services/<int:service_id>/",
        clientarea.service_page,
        name="client-area",
    ),
    path(
        "client/services/<int:service_id>/panel-login/",
        clientarea.service_panel_login,
        name="client-area-panel-login",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
