"""Django in the benchmark process itself, on the bridge's settings and a given database."""

import os


def django_start(database_url: str, **extra: str) -> None:
    from .servers import BENCH_ENV

    os.environ.update(BENCH_ENV)
    os.environ.update(extra)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "kaziwhmcs_site.settings"
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise, no static

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
