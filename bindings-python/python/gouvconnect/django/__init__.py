"""``gouvconnect.django``: ProConnect, Pro Santé Connect, FranceConnect and FranceConnect+ login
for Django.

Add ``"gouvconnect.django"`` to ``INSTALLED_APPS``,
``"gouvconnect.django.backends.GouvConnectBackend"`` to ``AUTHENTICATION_BACKENDS``, the
``GOUVCONNECT`` settings dict, and ``path("auth/", include("gouvconnect.django.urls"))``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["identity", "provider"]


def identity(request: HttpRequest) -> dict[str, Any] | None:
    """The normalised identity of the signed-in user (docs/architecture.md §4), or ``None``."""
    from . import conf

    if not request.user.is_authenticated:
        return None
    value = request.session.get(conf.SESSION_IDENTITY)
    return value if isinstance(value, dict) else None


def provider(request: HttpRequest) -> str | None:
    """The provider the user signed in with, or ``None``."""
    from . import conf

    value = request.session.get(conf.SESSION_PROVIDER)
    return str(value) if value and request.user.is_authenticated else None
