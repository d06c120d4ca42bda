"""System checks: the ``GOUVCONNECT`` settings are validated at startup by building each
provider's core client without network (``discover=False``) and parsing each mapping.

- ``gouvconnect.E001``: ``GOUVCONNECT`` missing or not a dict.
- ``gouvconnect.E002``: a provider entry is malformed.
- ``gouvconnect.E003``: the core refuses a provider's configuration (code and reason shown).
- ``gouvconnect.E004``: a provider's mapping is invalid.
- ``gouvconnect.E005``: no provider configured.
- ``gouvconnect.E006``: ``DEFAULT_PROVIDER`` names no configured provider.
- ``gouvconnect.E007``: ``SUPPORT_URL`` is not an http(s) URL, a ``mailto:`` link or a local path.
- ``gouvconnect.E008``: a FranceConnect+ entry has no ``decryption_keys``.
- ``gouvconnect.W001``: the backend is not in ``AUTHENTICATION_BACKENDS``.
- ``gouvconnect.W002``: a configured redirect URI's host is refused by ``ALLOWED_HOSTS``
  (every callback there would answer 400 ``DisallowedHost``).

Several providers without ``DEFAULT_PROVIDER`` need no check: the login route then shows a page
with each provider's button.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.http.request import validate_host

from .. import Client, GouvConnectError, Mapping, is_support_link, provider_kind
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
                hint='Add a "proconnect", "prosanteconnect", "franceconnect" or "franceconnect_plus" entry.',
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
        missing_keys = _missing_decryption_keys(name, config)
        if missing_keys is not None:
            errors.append(missing_keys)
        try:
            Client(config, discover=False)
        except GouvConnectError as e:
            # Without keys the core refuses FranceConnect+: E008 says it, with its hint.
            if missing_keys is None or e.code != "invalid_config":
                errors.append(
                    checks.Error(
                        f"{e.code}: {e.message}", obj=f"GOUVCONNECT[{name!r}]", id="gouvconnect.E003"
                    )
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
        errors.extend(_check_redirect_hosts(name, entry.client_config))
    default = conf.global_setting("DEFAULT_PROVIDER")
    if default and default not in names:
        errors.append(
            checks.Error(
                f"DEFAULT_PROVIDER {default!r} is not a provider of GOUVCONNECT",
                hint=f"Use one of {sorted(names)} or remove DEFAULT_PROVIDER.",
                id="gouvconnect.E006",
            )
        )
    support = conf.global_setting("SUPPORT_URL")
    if support is not None and not (isinstance(support, str) and is_support_link(support)):
        errors.append(
            checks.Error(
                f"SUPPORT_URL {support!r} is not an http(s) URL, a mailto: link or a local path",
                hint="The error pages offer it as a link; fix or remove SUPPORT_URL.",
                id="gouvconnect.E007",
            )
        )
    middleware = "gouvconnect.django.middleware.GouvConnectMiddleware"
    try:
        silent = conf.silent_provider()
    except conf.ConfigurationError:
        silent = None
    if silent and middleware not in getattr(settings, "MIDDLEWARE", []):
        errors.append(
            checks.Warning(
                "silent login is on but the gouvconnect middleware is not installed: it would never be tried",
                hint=f'Add "{middleware}" to MIDDLEWARE, after AuthenticationMiddleware.',
                id="gouvconnect.W003",
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


def _missing_decryption_keys(name: str, config: dict[str, Any]) -> checks.CheckMessage | None:
    """FranceConnect+ encrypts every token to the client's keys: without them no login can
    complete (the core refuses to start the client)."""
    try:
        kind = provider_kind(str(config.get("provider", name)))
    except GouvConnectError:
        return None  # an unknown provider is the core's to report (E003)
    if kind != "franceconnect_plus" or config.get("decryption_keys"):
        return None
    return checks.Error(
        "FranceConnect+ encrypts its tokens to your keys: no `decryption_keys` configured",
        hint=(
            'Set "decryption_keys_file" (a file holding your private JWKS or PEM keys) or '
            '"decryption_keys" (their text), and register the URL of the gouvconnect:jwks route '
            f"(e.g. /auth/jwks/{name}) at FranceConnect+."
        ),
        obj=f"GOUVCONNECT[{name!r}]",
        id="gouvconnect.E008",
    )


def _allowed_hosts() -> list[str]:
    """``ALLOWED_HOSTS`` as ``HttpRequest.get_host`` applies it (the loopback defaults when
    ``DEBUG`` is on and the list is empty)."""
    allowed = list(getattr(settings, "ALLOWED_HOSTS", []))
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return allowed


def _check_redirect_hosts(name: str, config: dict[str, Any]) -> list[checks.CheckMessage]:
    """The provider comes back to the redirect URIs: their host must pass ``ALLOWED_HOSTS``."""
    found: list[checks.CheckMessage] = []
    allowed = _allowed_hosts()
    for key in ("redirect_uri", "post_logout_redirect_uri"):
        uri = config.get(key)
        if not isinstance(uri, str) or not uri:
            continue
        try:
            host = urlsplit(uri).hostname
        except ValueError:
            continue  # a malformed URI is the core's to report (E003)
        if not host:
            continue
        # get_host() compares the domain without its port, IPv6 literals in brackets.
        domain = f"[{host}]" if ":" in host else host
        if not validate_host(domain, allowed):
            found.append(
                checks.Warning(
                    f"{key} {uri} is on host {domain!r}, which ALLOWED_HOSTS refuses: the provider "
                    "would come back to a host that answers 400 (DisallowedHost)",
                    hint=f"Add {domain!r} to ALLOWED_HOSTS, or set {key} on an allowed host.",
                    obj=f"GOUVCONNECT[{name!r}]",
                    id="gouvconnect.W002",
                )
            )
    return found
