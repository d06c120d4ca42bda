"""``GouvConnectMiddleware``: the login's lifetime and the silent login.

Add it after Django's ``AuthenticationMiddleware``::

    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "gouvconnect.django.middleware.GouvConnectMiddleware",
        ...,
    ]

- **Session length.** A login ends at its ``session_expires_at`` (the provider entry's
  ``session_max_age_secs``, 12 h by default): the user is logged out locally (``logout`` event)
  and the request goes on anonymous. With silent login on for the provider, a ``prompt=none``
  login of the same person is tried first (once): still signed in at the provider, the session
  goes on with a new lifetime; else it ends.
- **Silent login** (opt-in: ``GOUVCONNECT["SILENT_LOGIN"] = True``, or ``"silent_login": True``
  in a provider entry): an anonymous visitor's first page view of the browser session goes
  through the provider with ``prompt=none``. Signed in there, they come back signed in; not
  signed in (``login_required``, ``consent_required``, ``interaction_required``), they come back
  to the same page, anonymous, with no error page. Tried once per browser session, so it never
  loops. Only ``GET`` page navigations are redirected (not ``fetch``/XHR, not the app's own
  routes, not views marked :func:`~gouvconnect.django.decorators.silent_login_exempt`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from .. import GouvConnectError, is_page_view, safe_next_path
from . import conf

__all__ = ["GouvConnectMiddleware"]

logger = logging.getLogger("gouvconnect")


def _is_page_navigation(request: HttpRequest) -> bool:
    """A ``GET`` a person's browser makes to display a page (what a redirect may answer), by the
    core's rule (the same as Express's)."""
    return is_page_view(request.method or "", request.headers)


class GouvConnectMiddleware:
    """Ends logins at their ``session_expires_at`` and tries the silent login (module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = getattr(request, "resolver_match", None)
        if match is not None and "gouvconnect" in match.namespaces:
            return None  # the login routes themselves (callback included)
        if not hasattr(request, "user") or not hasattr(request, "session"):
            return None
        if request.user.is_authenticated:
            return self._check_lifetime(request)
        if getattr(view_func, "gouvconnect_silent_login_exempt", False):
            return None
        return self._silent_login(request)

    def _check_lifetime(self, request: HttpRequest) -> HttpResponse | None:
        expires_at = request.session.get(conf.SESSION_EXPIRES_AT)
        if not isinstance(expires_at, int | float) or time.time() < expires_at:
            return None
        from .views import _local_logout, start_login

        name = str(request.session.get(conf.SESSION_PROVIDER) or "")
        identity = request.session.get(conf.SESSION_IDENTITY)
        renewal_tried = request.session.get(conf.SESSION_RENEWAL_TRIED) == expires_at
        if not renewal_tried and isinstance(identity, dict) and _is_page_navigation(request):
            try:
                settings = conf.provider(name)
                if settings.silent_login:
                    request.session[conf.SESSION_RENEWAL_TRIED] = expires_at
                    options = {
                        **settings.login_options,
                        "prompt": "none",
                        # The same person must still be the one signed in at the provider.
                        "step_up_sub": identity.get("sub"),
                        "next": safe_next_path(request.get_full_path()),
                    }
                    return start_login(request, settings, options, kind="renew")
            except (KeyError, conf.ConfigurationError):
                pass
            except GouvConnectError as e:
                logger.warning("gouvconnect: silent renewal not started: code=%s: %s", e.code, e.message)
        logger.info("gouvconnect: the login of provider %s reached its maximum age: logged out", name)
        _local_logout(GouvConnectMiddleware, request)
        # Signed out on purpose: no silent login straight away.
        request.session[conf.SESSION_SILENT_TRIED] = True
        return None

    def _silent_login(self, request: HttpRequest) -> HttpResponse | None:
        if request.session.get(conf.SESSION_SILENT_TRIED) or not _is_page_navigation(request):
            return None
        try:
            name = conf.silent_provider()
            if name is None:
                return None
            settings = conf.provider(name)
        except (KeyError, conf.ConfigurationError):
            return None
        from .views import start_login

        # Marked before leaving: whatever happens at the provider, never twice.
        request.session[conf.SESSION_SILENT_TRIED] = True
        next_path = safe_next_path(request.get_full_path())
        options = {**settings.login_options, "prompt": "none", "next": next_path}
        try:
            return start_login(request, settings, options, kind="silent")
        except GouvConnectError as e:
            logger.warning("gouvconnect: silent login not started: code=%s: %s", e.code, e.message)
            return None
