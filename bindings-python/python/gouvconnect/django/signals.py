"""``login_event``: one signal for every login success, refusal, logout, step-up and account
link, for audit.

Receivers get ``sender`` (the view function — ``gouvconnect.django.views.callback``,
``logout``, ``logout_callback`` — or the backend class for ``account_linked``), ``event`` (a
dict with the core's field names, the same in every host: ``event``, ``provider``,
``client_id``, and when known ``sub``, ``acr``, ``idp_id``, ``siret``, ``code``,
``provider_error``) and ``request``. An event never holds a token, secret, authorization code,
state or nonce.

    from django.dispatch import receiver
    from gouvconnect.django.signals import login_event

    @receiver(login_event)
    def audit(sender, event, request, **kwargs):
        ...

A receiver that raises is logged (``gouvconnect`` logger) and never breaks the login.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal
from django.http import HttpRequest

from .. import EventKind, GouvConnectError, Identity, audit_event
from . import conf

__all__ = ["login_event"]

logger = logging.getLogger("gouvconnect")

#: Sent with ``event`` (dict) and ``request``.
login_event = Signal()


def send(
    sender: Any,
    request: HttpRequest | None,
    kind: EventKind,
    provider_name: str | None,
    *,
    identity: Identity | None = None,
    error: GouvConnectError | None = None,
    code: str | None = None,
) -> None:
    """Builds the event of ``provider_name``'s settings (client id, provider kind) and sends it.
    Nothing is sent when the provider cannot be told (several providers, none named)."""
    if not provider_name:
        return
    try:
        settings: conf.ProviderSettings | None = conf.provider(provider_name)
    except (KeyError, conf.ConfigurationError):
        settings = None
    config = settings.client_config if settings else {}
    kind_name = str((identity or {}).get("provider") or config.get("provider") or provider_name)
    provider_error = error.provider_error[0] if error is not None and error.provider_error else None
    try:
        event = audit_event(
            kind,
            kind_name,
            str(config.get("client_id", "")),
            identity=identity,
            code=error.code if error is not None else code,
            provider_error=provider_error,
        )
    except GouvConnectError as e:
        logger.debug("gouvconnect: no %s event (%s)", kind, e.code)
        return
    for receiver, result in login_event.send_robust(sender, event=event, request=request):
        if isinstance(result, Exception):
            logger.error(
                "gouvconnect: the login_event receiver %s raised %s",
                getattr(receiver, "__qualname__", receiver),
                type(result).__name__,
            )
