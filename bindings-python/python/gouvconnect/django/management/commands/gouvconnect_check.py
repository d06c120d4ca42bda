"""``manage.py gouvconnect_check [provider…] [--json] [--base-url URL]``: the going-live checks
(``gouvconnect.doctor``) of each configured provider against the live provider — discovery,
issuer, endpoint hosts, clock skew, algorithms, client authentication, scopes, acr, keys, the
credentials (a token request with a deliberately invalid code), the redirect URIs against the
routes this project really mounts, and PSC's client certificate. Django's system checks run
first, the gouvconnect ones included (e.g. ``gouvconnect.W002``, a redirect URI whose host
``ALLOWED_HOSTS`` refuses).

Human output by default, ``--json`` for scripts; the exit code is 1 when any provider has a
failing check (warnings pass).

The mounted routes are the project's ``gouvconnect:callback`` and ``gouvconnect:logout_callback``
URLs on the configured redirect URI's origin. Redirect URIs that are not configured are derived
from each request's host by the views; the command derives them from ``--base-url`` (default
``http://localhost:8000``, ``runserver``'s address): set them, or pass your public URL.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse

from gouvconnect import GouvConnectError, doctor
from gouvconnect.django import conf

DEFAULT_BASE_URL = "http://localhost:8000"
#: Redirect URI setting → URL name of the route that serves it.
ROUTES = {"redirect_uri": "gouvconnect:callback", "post_logout_redirect_uri": "gouvconnect:logout_callback"}
#: Where the app's README mounts them (only to name a URI when the routes are not mounted).
USUAL_PATHS = {"redirect_uri": "/auth/callback", "post_logout_redirect_uri": "/auth/logout/callback"}


def _origin(uri: str) -> str | None:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class Command(BaseCommand):
    help = (
        "Run the going-live checks of each GOUVCONNECT provider against the live provider "
        "(exit code 1 on any failure)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("providers", nargs="*", help="provider names (default: all)")
        parser.add_argument("--json", action="store_true", help="print the reports as JSON")
        parser.add_argument(
            "--base-url",
            default=DEFAULT_BASE_URL,
            help="the site's public URL, for the redirect URIs that are not configured "
            f"(default {DEFAULT_BASE_URL})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            configured = conf.providers()
        except conf.ConfigurationError as e:
            raise CommandError(str(e)) from e
        names = options["providers"] or list(configured)
        for name in names:
            if name not in configured:
                raise CommandError(f"{name}: not configured in GOUVCONNECT")
        base_url = str(options["base_url"]).rstrip("/")
        routes: dict[str, str | None] = {}
        for key, url_name in ROUTES.items():
            try:
                routes[key] = reverse(url_name)
            except NoReverseMatch:
                routes[key] = None
        unmounted = [ROUTES[key] for key, path in routes.items() if path is None]

        results: dict[str, Any] = {}
        failures = 0
        for name in names:
            config = dict(configured[name].client_config)
            derived = []
            mounted: dict[str, list[str]] = {}
            for key, path in routes.items():
                if not config.get(key):
                    config[key] = base_url + (path or USUAL_PATHS[key])
                    derived.append(key)
                origin = _origin(str(config[key]))
                mounted[key] = [origin + path] if origin and path else []
            notes = []
            if derived:
                notes.append(
                    f"{' and '.join(derived)} not set: derived from {base_url} as the views derive "
                    "them from each request (set them, or pass --base-url with the public URL)"
                )
            if unmounted:
                notes.append(
                    f"FAIL: no {' nor '.join(unmounted)} route in the URLconf: include "
                    '"gouvconnect.django.urls" (e.g. path("auth/", include(...)))'
                )
            try:
                report = doctor(
                    config,
                    mounted_redirect_uris=mounted["redirect_uri"],
                    mounted_post_logout_redirect_uris=mounted["post_logout_redirect_uri"],
                )
            except GouvConnectError as e:
                failures += 1
                results[name] = {"ok": False, "error": {"code": e.code, "message": e.message}, "notes": notes}
                if not options["json"]:
                    self.stdout.write(f"{name}: FAILED {e.code}: {e.message}")
                continue
            ok = report.ok and not unmounted
            failures += not ok
            results[name] = {**json.loads(report.json), "ok": ok, "notes": notes}
            if not options["json"]:
                self.stdout.write(f"[{name}]")
                for note in notes:
                    self.stdout.write(f"  note: {note}")
                self.stdout.write(report.text.rstrip("\n"))
        if options["json"]:
            self.stdout.write(json.dumps({"ok": failures == 0, "providers": results}, indent=2))
        if failures:
            raise CommandError(f"{failures} provider(s) not ready: fix the lines marked FAIL")
