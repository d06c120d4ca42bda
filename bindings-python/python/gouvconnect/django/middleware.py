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
- **Renewal** (opt-in: ``"renew_every": 900`` in a provider entry, or
  ``GOUVCONNECT["RENEW_EVERY"]``, seconds, at least 60): the refresh token is kept in the
  server-side session and, on the first page view ``renew_every`` seconds after the login or
  the last renewal, the identity is renewed with it (same person required, the provider's
  current data, the policy applied again, the user's mapped fields updated as at login). The
  login's end does not move. The renewal fails when the provider's session ended
  (``invalid_grant`` → ``login_required``), another ``sub`` comes back
  (``refresh_user_mismatch``) or the policy refuses: the login ends (``logout`` event) — or,
  with silent login on, a ``prompt=none`` login of the same person is tried first.
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

from django.contrib import auth
from django.db import DatabaseError
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
        if not isinstance(expires_at, int | float):
            return None
        if time.time() < expires_at:
            return self._renew_if_due(request, int(expires_at))
        return self._end_or_relogin(request, expires_at, "reached its maximum age")

    def _renew_if_due(self, request: HttpRequest, expires_at: int) -> HttpResponse | None:
        refresh_token = request.session.get(conf.SESSION_REFRESH_TOKEN)
        renewed_at = request.session.get(conf.SESSION_RENEWED_AT)
        identity = request.session.get(conf.SESSION_IDENTITY)
        if not isinstance(refresh_token, str) or not isinstance(renewed_at, int):
            return None
        if not isinstance(identity, dict):
            return None
        # Page views only: a refresh token is single use, and parallel fetch/XHR calls would
        # race to spend it (the loser would sign the user out).
        if not _is_page_navigation(request):
            return None
        name = str(request.session.get(conf.SESSION_PROVIDER) or "")
        try:
            settings = conf.provider(name)
        except (KeyError, conf.ConfigurationError):
            return None
        if not settings.renew_every or time.time() < renewed_at + settings.renew_every:
            return None
        from .clients import get_client
        from .views import keep_refresh_token

        try:
            login = get_client(name, request).refresh(identity, refresh_token, expires_at)
            # The login path's own code: the linked account found again, its mapped fields
            # and groups updated (update_user, sync_groups), the host's verify_claims applied.
            user = auth.authenticate(request, gouvconnect_login=login, gouvconnect_provider=name)
        except GouvConnectError as e:
            if e.code == "provider_unavailable":
                # The provider down is not the user signed out: renewed at a later page view.
                logger.warning("gouvconnect: renewal of the %s login postponed: code=%s", name, e.code)
                return None
            logger.info("gouvconnect: renewal of the %s login refused: code=%s", name, e.code)
            return self._end_or_relogin(request, expires_at, f"could not be renewed ({e.code})")
        except DatabaseError as e:
            # The user store failed, not the login: kept as it is, renewed at a later page view.
            logger.warning("gouvconnect: renewal of the %s login postponed: %s", name, type(e).__name__)
            return None
        if user is None or user.pk != request.user.pk:
            logger.info("gouvconnect: renewal of the %s login refused: code=access_denied", name)
            return self._end_or_relogin(request, expires_at, "could not be renewed (access_denied)")
        request.session[conf.SESSION_IDENTITY] = login.identity
        request.session[conf.SESSION_ID_TOKEN] = login.id_token
        keep_refresh_token(request, name, login.refresh_token)
        request.user = user
        return None

    def _end_or_relogin(self, request: HttpRequest, expires_at: float, why: str) -> HttpResponse | None:
        """Ends the login (``logout`` event), after one silent login of the same person when
        silent login is on and the request is a page view."""
        from .views import _local_logout, start_login

        request.session.pop(conf.SESSION_REFRESH_TOKEN, None)
        request.session.pop(conf.SESSION_RENEWED_AT, None)
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
        logger.info("gouvconnect: the login of provider %s %s: logged out", name, why)
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
