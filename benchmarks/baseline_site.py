"""The ingest baseline: a bare Django endpoint that checks the webhook signature and inserts
one row. It is the practical limit of this stack (Django + gunicorn + the database) on a
machine; the bridge's webhook is measured against it.

Settings and URLs in one module:
    DJANGO_SETTINGS_MODULE=benchmarks.baseline_site \
        gunicorn 'django.core.wsgi:get_wsgi_application()'
`python -m benchmarks.baseline_site` creates its table."""

from kaziwhmcs_site import settings as site

# The bridge's settings (middleware and what it reads, database settings: WAL, busy
# timeout, IMMEDIATE, CONN_MAX_AGE), so that the request path costs the same; only the
# apps and the URLs are the baseline's own.
globals().update({name: value for name, value in vars(site).items() if name.isupper()})
DEBUG = False
# The apps the shared middleware needs; none of their tables is touched.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "axes",
]
ROOT_URLCONF = "benchmarks.baseline_site"

TABLE = "baseline_webhook"


def signature_refusal(request):
    """The 401 answer to a request whose signature does not hold; None when it holds."""
    from django.http import JsonResponse

    from provisioning.signing import SignatureError, request_verify

    try:
        request_verify(
            request.headers.get("X-Kazi-Timestamp"),
            request.headers.get("X-Kazi-Signature"),
            request.method,
            request.path_info,
            request.body,
        )
    except SignatureError as exc:
        return JsonResponse({"error": str(exc)}, status=401)
    return None


def receive(request):
    from django.db import connection, transaction
    from django.http import JsonResponse

    if refusal := signature_refusal(request):
        return refusal
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (body) VALUES (%s)", [request.body.decode()])
    return JsonResponse({"accepted": True}, status=202)


def webhook_urls(view) -> list:
    """A benchmark site's URLs: `view` at the bridge's webhook path."""
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    return [path("webhooks/whmcs/", csrf_exempt(view))]


urlpatterns = webhook_urls(receive)


def table_create() -> None:
    from django.db import connection

    serial = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (id {serial} PRIMARY KEY, body TEXT NOT NULL)"
        )


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.baseline_site")
    django.setup()
    table_create()
