from django.urls import path

from .clientarea import views as clientarea
from .monitoring import health, metrics
from .whmcs import queue_views, webhooks
from .whmcs import views as whmcs_views

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
        "webhooks/whmcs/services/<int:service_id>/",
        whmcs_views.service_view,
        name="whmcs-service",
    ),
    path(
        "webhooks/whmcs/services/<int:service_id>/outcome/",
        whmcs_views.service_outcome,
        name="whmcs-service-outcome",
    ),
    path(
        "webhooks/whmcs/services/<int:service_id>/panel-login/",
        whmcs_views.service_panel_login,
        name="whmcs-service-panel-login",
    ),
    path(
        "webhooks/whmcs/servers/<int:server_id>/panel-login/",
        whmcs_views.server_panel_login,
        name="whmcs-server-panel-login",
    ),
    path(
        "webhooks/whmcs/servers/<int:server_id>/usage/",
        whmcs_views.server_usage,
        name="whmcs-server-usage",
    ),
    path(
        "webhooks/whmcs/servers/<int:server_id>/accounts/",
        whmcs_views.server_account_list,
        name="whmcs-server-accounts",
    ),
    path(
        "webhooks/whmcs/queue/outcomes/",
        queue_views.queue_outcome_list,
        name="whmcs-queue-outcomes",
    ),
    path("webhooks/whmcs/queue/told/", queue_views.queue_told, name="whmcs-queue-told"),
    path(
        "webhooks/whmcs/connection-test/",
        whmcs_views.connection_test,
        name="whmcs-connection-test",
    ),
    path("panel-login/<str:token>/", whmcs_views.panel_login_ticket, name="panel-login-ticket"),
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
