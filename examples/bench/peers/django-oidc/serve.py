"""Benchmark peer: a Django app logging in with mozilla-django-oidc against the emulator, served
like the Django example (waitress, 127.0.0.1:$PORT, 8 threads, SQLite, database sessions)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer.settings")


def main() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from waitress import serve

    from peer.wsgi import application

    port = int(os.environ.get("PORT", "8001"))
    print(f"peer-django-oidc listening on http://127.0.0.1:{port}", flush=True)
    serve(application, host="127.0.0.1", port=port, threads=8, ident="bench-peer")


if __name__ == "__main__":
    main()
