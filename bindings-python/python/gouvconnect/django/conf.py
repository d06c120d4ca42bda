"""The ``GOUVCONNECT`` settings dict, resolved into one :class:`ProviderSettings` per provider.

Each provider entry takes the core's ``ClientConfig`` keys in snake_case (``client_id``,
``environment``, ``issuer``, ``scopes``…), their UPPERCASE spelling, or the names
mozilla-django-oidc users know (``OIDC_RP_CLIENT_ID``, ``OIDC_RP_CLIENT_SECRET``,
``OIDC_RP_SCOPES``, ``OIDC_RP_SIGN_ALGO``, ``OIDC_CREATE_USER``, ``OIDC_TIMEOUT``…), plus the
policy keys (``acr``, ``mfa``, ``require_mfa``, ``accept_unverified_email``, ``allowed_*``) and
the keys of this app (``mapping``, ``create_user``, ``email_fallback``, ``silent_login``…). See
the package README.

FranceConnect+'s private decryption keys: ``decryption_keys`` (the JWKS or PEM text, or the JWKS
as a dict, or a :class:`pathlib.Path` to a file) or ``decryption_keys_file`` (a file path, e.g.
from the environment); both end up as the core's ``decryption_keys`` text.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

#: Keys of this app inside a provider entry (not passed to the core).
APP_KEYS = {
    "mapping",
    "create_user",
    "update_user",
    "email_fallback",
    "email_fallback_replace_link",
    "sync_groups",
    "login_options",
    "silent_login",
    "renew_every",
}
#: Policy keys accepted at the top of a provider entry (moved under ``policy``).
POLICY_KEYS = {
    "acr",
    "mfa",
    "require_mfa",
    "accept_unverified_email",
    "allowed_sirets",
    "allowed_email_domains",
    "allowed_roles",
    "allowed_profession_codes",
}
#: mozilla-django-oidc style names → our names.
ALIASES = {
    "OIDC_RP_CLIENT_ID": "client_id",
    "OIDC_RP_CLIENT_SECRET": "client_secret",
    "OIDC_RP_SCOPES": "scopes",
    "OIDC_RP_SIGN_ALGO": "id_token_alg",
    "OIDC_CREATE_USER": "create_user",
    "OIDC_TIMEOUT": "timeout_secs",
    "OIDC_OP_ISSUER": "issuer",
    "OIDC_AUTHENTICATION_CALLBACK_URL": "redirect_uri",
    "OIDC_RP_IDP_SIGN_KEY": None,  # keys come from the provider's JWKS: refused, see checks
}
#: Global keys of ``GOUVCONNECT`` (everything else is a provider entry).
GLOBAL_KEYS = {
    "LOGIN_REDIRECT_URL",
    "LOGOUT_REDIRECT_URL",
    "DEFAULT_PROVIDER",
    "ERROR_TEMPLATE",
    "SILENT_LOGIN",
    "RENEW_EVERY",
    "SUPPORT_URL",
}

SESSION_PENDING = "gouvconnect.pending"
SESSION_LOGOUT = "gouvconnect.pending_logout"
SESSION_IDENTITY = "gouvconnect.identity"
SESSION_PROVIDER = "gouvconnect.provider"
SESSION_ID_TOKEN = "gouvconnect.id_token"
#: Unix time at which the login ends (the core's ``session_expires_at``).
SESSION_EXPIRES_AT = "gouvconnect.expires_at"
#: Set once a silent login was tried in this browser session (never tried twice).
SESSION_SILENT_TRIED = "gouvconnect.silent_tried"
#: The ``session_expires_at`` whose silent renewal was tried (never tried twice).
SESSION_RENEWAL_TRIED = "gouvconnect.renewal_tried"
#: The refresh token, kept server-side only when renewal is on (``renew_every``).
SESSION_REFRESH_TOKEN = "gouvconnect.refresh_token"
#: Unix time of the login or of its last renewal with the refresh token.
SESSION_RENEWED_AT = "gouvconnect.renewed_at"
#: The shortest ``renew_every``: a renewal is two requests to the provider.
MIN_RENEW_EVERY = 60


class ConfigurationError(ValueError):
    """The ``GOUVCONNECT`` setting is malformed (reported by the system checks)."""


@dataclass(frozen=True)
class ProviderSettings:
    """One provider entry of ``GOUVCONNECT``, split into core config and app options."""

    name: str
    client_config: dict[str, Any]
    mapping: dict[str, Any] | None = None
    create_user: bool = True
    update_user: bool = True
    email_fallback: bool = False
    email_fallback_replace_link: bool = False
    sync_groups: bool = False
    login_options: dict[str, Any] = field(default_factory=dict)
    #: Try ``prompt=none`` (anonymous visitors, once per browser session; and before ending an
    #: expired login). Also on for every provider with the global ``SILENT_LOGIN``.
    silent_login: bool = False
    #: Seconds between two renewals of a signed-in user's identity with the refresh token
    #: (``renew_every`` in the entry, or ``GOUVCONNECT["RENEW_EVERY"]``); ``None``: off.
    renew_every: int | None = None


def _normalise_key(key: str) -> str | None:
    if key in ALIASES:
        alias = ALIASES[key]
        if alias is None:
            raise ConfigurationError(f"`{key}` is not supported: keys come from the provider's JWKS")
        return alias
    return key.lower()


@lru_cache(maxsize=16)
def read_key_file(path: str) -> str:
    """The text of a decryption key file, read once (clients are built once too: a new key file
    takes effect at the next start, or when the ``GOUVCONNECT`` setting changes)."""
    return Path(path).read_text(encoding="utf-8")


def _decryption_keys(name: str, value: Any, path: Any) -> str | None:
    """The core's ``decryption_keys`` text from ``decryption_keys`` (text, a JWKS dict or a
    path object) or ``decryption_keys_file`` (a path). Errors name the file, never a key."""
    if value is not None and path is not None:
        raise ConfigurationError(
            f"GOUVCONNECT[{name!r}]: set `decryption_keys` or `decryption_keys_file`, not both"
        )
    if isinstance(value, os.PathLike):
        value, path = None, value
    if path is not None:
        if not isinstance(path, (str, os.PathLike)) or not str(path):
            raise ConfigurationError(f"GOUVCONNECT[{name!r}]['decryption_keys_file'] must be a file path")
        try:
            return read_key_file(os.fspath(path))
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigurationError(
                f"GOUVCONNECT[{name!r}]: cannot read the decryption keys file {os.fspath(path)!r}: "
                f"{type(e).__name__}: {getattr(e, 'strerror', None) or 'not UTF-8 text'}"
            ) from None
    if value is None or isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, dict):
        return json.dumps(value)
    if not isinstance(value, str):
        raise ConfigurationError(
            f"GOUVCONNECT[{name!r}]['decryption_keys'] must be the keys' text (JWKS or PEM), "
            "a JWKS dict or a Path"
        )
    text = value.strip()
    if not text.startswith(("{", "-----BEGIN")) and "\n" not in text:
        # Most likely a file name given as text: say so instead of the core's parse error.
        raise ConfigurationError(
            f"GOUVCONNECT[{name!r}]['decryption_keys'] is neither a JWKS nor PEM text: "
            "for a file, use `decryption_keys_file` (or a pathlib.Path)"
        )
    return value


def parse_provider(name: str, entry: Any) -> ProviderSettings:
    """Resolves one provider entry."""
    if not isinstance(entry, dict):
        raise ConfigurationError(f"GOUVCONNECT[{name!r}] must be a dict")
    core: dict[str, Any] = {}
    app: dict[str, Any] = {}
    policy: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    for raw_key, value in entry.items():
        key = _normalise_key(str(raw_key))
        if key is None:
            continue
        if key in ("decryption_keys", "decryption_keys_file"):
            keys[key] = value
        elif key in APP_KEYS:
            app[key] = value
        elif key in POLICY_KEYS:
            policy[key] = value
        elif key == "policy":
            if not isinstance(value, dict):
                raise ConfigurationError(f"GOUVCONNECT[{name!r}]['policy'] must be a dict")
            policy = {**value, **policy}
        else:
            core[key] = value
    if isinstance(core.get("scopes"), str):
        core["scopes"] = core["scopes"].split()
    core.setdefault("provider", name)
    decryption_keys = _decryption_keys(name, keys.get("decryption_keys"), keys.get("decryption_keys_file"))
    if decryption_keys is not None:
        core["decryption_keys"] = decryption_keys
    if policy:
        core["policy"] = policy
    if app.get("mapping") is not None and not isinstance(app["mapping"], dict):
        raise ConfigurationError(f"GOUVCONNECT[{name!r}]['mapping'] must be a dict")
    login_options = app.get("login_options") or {}
    if not isinstance(login_options, dict):
        raise ConfigurationError(f"GOUVCONNECT[{name!r}]['login_options'] must be a dict")
    return ProviderSettings(
        name=name,
        client_config=core,
        mapping=app.get("mapping"),
        create_user=bool(app.get("create_user", True)),
        update_user=bool(app.get("update_user", True)),
        email_fallback=bool(app.get("email_fallback", False)),
        email_fallback_replace_link=bool(app.get("email_fallback_replace_link", False)),
        sync_groups=bool(app.get("sync_groups", False)),
        login_options=dict(login_options),
        silent_login=bool(app.get("silent_login", False)) or _global_silent(name),
        renew_every=_renew_every(name, app.get("renew_every", global_setting("RENEW_EVERY"))),
    )


def _renew_every(name: str, value: Any) -> int | None:
    """``renew_every``: whole seconds, at least :data:`MIN_RENEW_EVERY`; ``None``/``0`` is off."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_RENEW_EVERY:
        raise ConfigurationError(
            f"GOUVCONNECT[{name!r}]['renew_every'] must be whole seconds, "
            f"at least {MIN_RENEW_EVERY} (or 0: off)"
        )
    return value


def _global_silent(name: str) -> bool:
    """``GOUVCONNECT["SILENT_LOGIN"]``: ``True`` (every provider) or a provider's name."""
    value = global_setting("SILENT_LOGIN")
    return value is True or value == name


def raw_settings() -> dict[str, Any]:
    value = getattr(settings, "GOUVCONNECT", None)
    if value is None:
        raise ConfigurationError("the GOUVCONNECT setting is missing")
    if not isinstance(value, dict):
        raise ConfigurationError("the GOUVCONNECT setting must be a dict")
    return value


def providers() -> dict[str, ProviderSettings]:
    """Every configured provider, by name (``proconnect``, ``prosanteconnect``…)."""
    return {
        name: parse_provider(name, entry) for name, entry in raw_settings().items() if name not in GLOBAL_KEYS
    }


def provider(name: str) -> ProviderSettings:
    """One provider's settings; ``KeyError`` when it is not configured."""
    entry = raw_settings()
    if name in GLOBAL_KEYS or name not in entry:
        raise KeyError(name)
    return parse_provider(name, entry[name])


def global_setting(key: str, default: Any = None) -> Any:
    """A global key of ``GOUVCONNECT``, falling back to Django's setting of the same name."""
    try:
        value = raw_settings().get(key)
    except ConfigurationError:
        value = None
    if value is None:
        value = getattr(settings, key, None)
    return default if value is None else value


def silent_provider() -> str | None:
    """The provider a silent login of an anonymous visitor is tried with: ``SILENT_LOGIN``'s
    name, else the default provider when silent login is on for it, else the first provider with
    ``silent_login``; ``None`` when silent login is off."""
    named = global_setting("SILENT_LOGIN")
    configured = providers()
    if isinstance(named, str) and named in configured:
        return named
    default = default_provider()
    if default in configured and configured[default].silent_login:
        return default
    return next((name for name, entry in configured.items() if entry.silent_login), None)


def default_provider() -> str | None:
    """``DEFAULT_PROVIDER``, or the only configured provider."""
    chosen = global_setting("DEFAULT_PROVIDER")
    if chosen:
        return str(chosen)
    names = list(providers())
    return names[0] if len(names) == 1 else None
