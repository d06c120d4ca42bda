"""Login, callback, logout and logout-callback views.

Every failure becomes the error page naming the stable code, with the code's HTTP status and
a Django message; nothing here answers a bare 500. Logged with the code, never a token.
"""

from __future__ import annotations

import logging

from django.contrib import auth, messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import GouvConnectError, error_page_html, safe_next_path
from ..errors import error_class
from . import conf
from .clients import get_client

logger = logging.getLogger("gouvconnect")

BACKEND = "gouvconnect.django.backends.GouvConnectBackend"


def error_response(request: HttpRequest, error: GouvConnectError) -> HttpResponse:
    """The error page of ``error``: its code, its status, a message for the next page."""
    logger.warning("gouvconnect: %s failed: code=%s", request.path, error.code)
    messages.error(request, error.user_message or error.code, fail_silently=True)
    home = conf.global_setting("LOGOUT_REDIRECT_URL", "/")
    template = conf.global_setting("ERROR_TEMPLATE")
    if template:
        body = render_to_string(
            template,
            {"code": error.code, "message": error.user_message, "status": error.status},
            request=request,
        )
    else:
        body = error_page_html(error.code, str(home))
    return HttpResponse(body, status=error.status, content_type="text/html; charset=utf-8")


def _fail(request: HttpRequest, code: str, message: str) -> HttpResponse:
    return error_response(request, error_class(code)(code, message))


@never_cache
@require_GET
def login(request: HttpRequest, provider: str | None = None) -> HttpResponse:
    """Redirects to the provider. ``?provider=`` (or the URL) picks it; ``?next=`` must be a
    local path (anything else is dropped)."""
    try:
        name = provider or request.GET.get("provider") or conf.default_provider()
        settings = conf.provider(name) if name else None
    except KeyError:
        settings = None
    except conf.ConfigurationError as e:
        return _fail(request, "invalid_config", str(e))
    if settings is None:
        return _fail(request, "invalid_request", "unknown or missing provider")
    next_path = safe_next_path(request.GET.get("next"))
    try:
        client = get_client(settings.name, request)
        options = {**settings.login_options, "next": next_path}
        started = client.begin_login(**options)
    except GouvConnectError as e:
        return error_response(request, e)
    request.session[conf.SESSION_PENDING] = {"provider": settings.name, "pending": started.pending}
    return HttpResponseRedirect(started.url)


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Completes the login, signs the user in, keeps the identity in the session."""
    entry = request.session.pop(conf.SESSION_PENDING, None)
    if not isinstance(entry, dict) or "pending" not in entry:
        return _fail(request, "no_pending_login", "no login in progress in this session")
    name = str(entry.get("provider"))
    try:
        client = get_client(name, request)
        login_result = client.complete_login(entry["pending"], request.META.get("QUERY_STRING", ""))
    except KeyError:
        return _fail(request, "no_pending_login", "the provider of this login is not configured")
    except conf.ConfigurationError as e:
        return _fail(request, "invalid_config", str(e))
    except GouvConnectError as e:
        return error_response(request, e)
    try:
        user = auth.authenticate(request, gouvconnect_login=login_result, gouvconnect_provider=name)
        if user is None:
            return _fail(request, "access_denied", "no local account may sign in with this identity")
        auth.login(request, user, backend=_backend_path(user))
    except DatabaseError as e:
        # The user store failed (locked, unreachable): the error page, never a bare 500.
        return _fail(request, "internal_error", f"the user store failed: {type(e).__name__}")
    # After auth.login: it rotates the session key and keeps these values.
    request.session[conf.SESSION_IDENTITY] = login_result.identity
    request.session[conf.SESSION_PROVIDER] = name
    request.session[conf.SESSION_ID_TOKEN] = login_result.id_token
    target = login_result.next or conf.global_setting("LOGIN_REDIRECT_URL", "/")
    return HttpResponseRedirect(safe_next_path(str(target)) or "/")


def _backend_path(user: object) -> str:
    return getattr(user, "backend", None) or BACKEND


@never_cache
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Sends the user to the provider's end-session endpoint (with ``state``), or logs out
    locally when the provider has none. The local session ends at the logout callback."""
    name = request.session.get(conf.SESSION_PROVIDER)
    home = str(conf.global_setting("LOGOUT_REDIRECT_URL", "/"))
    if not name:
        auth.logout(request)
        return HttpResponseRedirect(home)
    try:
        client = get_client(str(name), request)
        end_session = client.logout_request(request.session.get(conf.SESSION_ID_TOKEN))
    except (KeyError, conf.ConfigurationError):
        end_session = None
    except GouvConnectError as e:
        return error_response(request, e)
    if end_session is None:
        auth.logout(request)
        return HttpResponseRedirect(home)
    url, pending = end_session
    request.session[conf.SESSION_LOGOUT] = pending
    return HttpResponseRedirect(url)


@never_cache
@require_GET
def logout_callback(request: HttpRequest) -> HttpResponse:
    """Checks the returned ``state``; only then ends the local session."""
    pending = request.session.get(conf.SESSION_LOGOUT)
    name = request.session.get(conf.SESSION_PROVIDER)
    if not pending or not name:
        return _fail(request, "logout_state_mismatch", "no logout in progress in this session")
    try:
        get_client(str(name), request).verify_logout_callback(pending, request.META.get("QUERY_STRING", ""))
    except (KeyError, conf.ConfigurationError):
        return _fail(request, "logout_state_mismatch", "the provider is not configured")
    except GouvConnectError as e:
        return error_response(request, e)
    auth.logout(request)
    return HttpResponseRedirect(str(conf.global_setting("LOGOUT_REDIRECT_URL", "/")))
