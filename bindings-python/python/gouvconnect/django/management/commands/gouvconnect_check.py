"""``manage.py gouvconnect_check [provider…]``: fetches each provider's discovery document and
validates the configuration against it (issuer, endpoints, keys). Django's system checks run
first, the gouvconnect ones included (e.g. ``gouvconnect.W002``, a redirect URI whose host
``ALLOWED_HOSTS`` refuses)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gouvconnect import Client, GouvConnectError
from gouvconnect.django import conf


class Command(BaseCommand):
    help = "Fetch the providers' discovery documents and validate the GOUVCONNECT settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("providers", nargs="*", help="provider names (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            configured = conf.providers()
        except conf.ConfigurationError as e:
            raise CommandError(str(e)) from e
        names = options["providers"] or list(configured)
        failures = 0
        for name in names:
            if name not in configured:
                raise CommandError(f"{name}: not configured in GOUVCONNECT")
            config = dict(configured[name].client_config)
            redirect_uri = config.get("redirect_uri") or "derived from the request (…/auth/callback)"
            config.setdefault("redirect_uri", "https://localhost.invalid/auth/callback")
            try:
                client = Client(config, discover=True)
                document = client.fetch_discovery()
                client.refresh_jwks()
            except GouvConnectError as e:
                failures += 1
                self.stderr.write(f"{name}: FAILED {e.code}: {e.message}")
                continue
            self.stdout.write(
                f"{name}: OK issuer={client.issuer} "
                f"authorization_endpoint={document.get('authorization_endpoint')} "
                f"end_session_endpoint={document.get('end_session_endpoint')} "
                f"redirect_uri={redirect_uri}"
            )
        if failures:
            raise CommandError(f"{failures} provider(s) failed")
