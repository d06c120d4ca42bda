"""One shared :class:`gouvconnect.Client` per provider and redirect URI (thread-safe cache).

A client with a custom issuer fetches the provider's discovery document when it is built, so
clients are built lazily, on the first login, and then reused by every request.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.http import HttpRequest
from django.urls import reverse

from .. import Client
from . import conf

_lock = threading.Lock()
_clients: dict[tuple[str, str, str], Client] = {}
#: FranceConnect+'s public JWKS by provider entry (``None``: the provider publishes none).
_public_jwks: dict[str, str | None] = {}


def client_config(settings: conf.ProviderSettings, request: HttpRequest | None = None) -> dict[str, Any]:
    """The core configuration, with redirect URIs derived from the request when not set."""
    config = dict(settings.client_config)
    if request is not None:
        config.setdefault("redirect_uri", request.build_absolute_uri(reverse("gouvconnect:callback")))
        config.setdefault(
            "post_logout_redirect_uri",
            request.build_absolute_uri(reverse("gouvconnect:logout_callback")),
        )
    return config


def get_client(name: str, request: HttpRequest | None = None) -> Client:
    """The networked client of provider ``name`` (built, and discovered, on first use)."""
    settings = conf.provider(name)
    config = client_config(settings, request)
    key = (name, str(config.get("redirect_uri")), str(config.get("post_logout_redirect_uri")))
    client = _clients.get(key)
    if client is not None:
        return client
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = Client(config, discover=True)
            _clients[key] = client
        return client


def public_jwks(name: str, request: HttpRequest | None = None) -> str | None:
    """The public JWKS (JSON text) of provider ``name``'s ``decryption_keys``: what the
    ``gouvconnect:jwks`` route serves for FranceConnect+ to fetch; ``None`` for providers that
    encrypt nothing. Built without network (no discovery: the route answers even when the
    provider does not), once. ``KeyError`` when ``name`` is not configured."""
    if name in _public_jwks:
        return _public_jwks[name]
    config = client_config(conf.provider(name), request)
    jwks = Client(config, discover=False).public_jwks()
    with _lock:
        _public_jwks[name] = jwks
    return jwks


def clear_cache(**_: Any) -> None:
    """Forgets every client and key file (settings changed, tests)."""
    with _lock:
        _clients.clear()
        _public_jwks.clear()
        conf.read_key_file.cache_clear()


def _on_setting_changed(setting: str, **kwargs: Any) -> None:
    if setting == "GOUVCONNECT":
        clear_cache()


setting_changed.connect(_on_setting_changed)
