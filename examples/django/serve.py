"""Runs the example (docs/architecture.md §6): migrates its SQLite database, then serves it with waitress on
127.0.0.1:$PORT. `make example-django` from the repository root calls this."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")


def main() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("check", fail_level="ERROR")
    if os.environ.get("GOUVCONNECT_REDIS_URL"):
        check_shared_sessions()

    from example.wsgi import application
    from waitress import serve

    port = int(os.environ.get("PORT", "8000"))
    print(f"example-django listening on http://127.0.0.1:{port}", flush=True)
    serve(application, host="127.0.0.1", port=port, threads=8, ident="gouvconnect-example")


def check_shared_sessions() -> None:
    """With GOUVCONNECT_REDIS_URL, fails at startup rather than at the first login when the
    `redis` package is missing or the server does not answer."""
    from django.core.cache import cache

    try:
        cache.get("startup-check")
    except ImportError as e:
        sys.exit(f"GOUVCONNECT_REDIS_URL needs the `redis` package (pip install redis): {e}")
    except Exception as e:  # noqa: BLE001 - any connection error of the redis client
        # The error's type and message name the host and port, never the URL's password.
        sys.exit(f"GOUVCONNECT_REDIS_URL: the Redis server did not answer: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
