"""System checks: the ``GOUVCONNECT`` settings are validated at startup by building each
provider's core client without network (``discover=False``) and parsing each mapping.

- ``gouvconnect.E001``: ``GOUVCONNECT`` missing or not a dict.
- ``gouvconnect.E002``: a provider entry is malformed.
- ``gouvconnect.E003``: the core refuses a provider's configuration (code and reason shown).
- ``gouvconnect.E004``: a provider's mapping is invalid.
- ``gouvconnect.E005``: no provider configured.
- ``gouvconnect.W001``: the backend is not in ``AUTHENTICATION_BACKENDS``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .. import Client, GouvConnectError, Mapping
from . import conf

# Redirect URIs are derived from the request when not configured; the check needs a value.
_PLACEHOLDER_REDIRECT = "https://localhost.invalid/auth/callback"


@checks.register(checks.Tags.security, "gouvconnect")
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    try:
        raw = conf.raw_settings()
    except conf.ConfigurationError as e:
        return [checks.Error(str(e), hint="See the gouvconnect README.", id="gouvconnect.E001")]
    names = [n for n in raw if n not in conf.GLOBAL_KEYS]
    if not names:
        errors.append(
            checks.Error(
                "GOUVCONNECT configures no provider",
                hint='Add a "proconnect" or "prosanteconnect" entry.',
                id="gouvconnect.E005",
            )
        )
    for name in names:
        try:
            entry = conf.parse_provider(name, raw[name])
        except conf.ConfigurationError as e:
            errors.append(checks.Error(str(e), obj=f"GOUVCONNECT[{name!r}]", id="gouvconnect.E002"))
            continue
        config = dict(entry.client_config)
        config.setdefault("redirect_uri", _PLACEHOLDER_REDIRECT)
        try:
            Client(config, discover=False)
        except GouvConnectError as e:
            errors.append(
                checks.Error(f"{e.code}: {e.message}", obj=f"GOUVCONNECT[{name!r}]", id="gouvconnect.E003")
            )
        try:
            Mapping(entry.mapping)
        except GouvConnectError as e:
            errors.append(
                checks.Error(
                    f"{e.code}: {e.message}",
                    obj=f"GOUVCONNECT[{name!r}]['mapping']",
                    id="gouvconnect.E004",
                )
            )
    backends = getattr(settings, "AUTHENTICATION_BACKENDS", [])
    if not any("gouvconnect" in b for b in backends):
        errors.append(
            checks.Warning(
                "the gouvconnect authentication backend is not enabled",
                hint='Add "gouvconnect.django.backends.GouvConnectBackend" to AUTHENTICATION_BACKENDS.',
                id="gouvconnect.W001",
            )
        )
    return errors
