"""The Django example's own settings (examples/django/example/settings.py), its database moved to
the PostgreSQL instance the benchmark started (BENCH_PG_HOST: its socket directory). Used only
by bench-e2e.sh (DJANGO_SETTINGS_MODULE=ours_pg_settings, this folder on PYTHONPATH), so that the
example itself keeps one database setting for its users; the peer's settings do the same."""

import os

from example.settings import *  # noqa: F403 - the example as shipped, only DATABASES changes

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["BENCH_PG_DB"],
        "USER": os.environ.get("BENCH_PG_USER", "bench"),
        "HOST": os.environ["BENCH_PG_HOST"],
        # One connection per waitress thread, kept: how Django is run on PostgreSQL (the peer
        # has the same two settings).
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
}
