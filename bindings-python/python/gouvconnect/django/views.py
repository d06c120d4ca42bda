"""Login, callback, logout and logout-callback views.

Every failure becomes the error page naming the stable code, with the code's HTTP status and
a Django message; nothing here answers a bare 500. Logged with the code and the core's message
(which never holds a token, secret, code or state; a provider's own error text is filtered by the
core), never a token.

Pages of this app (``gouvconnect/choose_provider.html``, ``gouvconnect/logout.html``) are
ordinary templates: a project overrides them by shipping its own under the same names.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.contrib import auth, messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.template import Context, Engine, TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import (
    BUTTON_CSS,
    EventKind,
    GouvConnectError,
    Identity,
    button_html,
    error_page_html,
    is_step_up,
    is_support_link,
    login_origin_redirect,
    safe_next_path,
    step_up_options,
)
from ..errors import error_class
from . import conf, practice, signals
from .clients import client_config, get_client, public_jwks

logger = logging.getLogger("gouvconnect")

BACKEND = "gouvconnect.django.backends.GouvConnectBackend"


def error_response(request: HttpRequest, error: GouvConnectError) -> HttpResponse:
    """The error page of ``error``: its code, its status, a message for the next page."""
    # The core's message names what went wrong (e.g. the provider's `invalid_client` answer);
    # it never holds a token, secret, code or state.
    logger.warning("gouvconnect: %s failed: code=%s: %s", request.path, error.code, error.message)
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


@lru_cache(maxsize=1)
def _own_engine() -> Engine:
    return Engine(dirs=[str(Path(__file__).resolve().parent / "templates")])


def _page(request: HttpRequest, name: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Renders one of this app's pages: the project's template of that name when the template
    loaders find one (``APP_DIRS`` finds ours), else ours directly (no loader configured)."""
    try:
        body = render_to_string(name, context, request=request)
    except TemplateDoesNotExist:
        full = {**context, "csrf_token": get_token(request), "request": request}
        body = _own_engine().get_template(name).render(Context(full))
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def _chooser(
    request: HttpRequest, next_path: str | None, code: str | None = None, message: str = ""
) -> HttpResponse:
    """The page with the official button of every configured provider (no default chosen, or
    an unknown provider asked for: then with the ``invalid_request`` code, 400)."""
    buttons: list[SafeString] = []
    for entry in conf.providers().values():
        kind = str(entry.client_config.get("provider", entry.name))
        action = reverse("gouvconnect:login_provider", kwargs={"provider": entry.name})
        try:
            html = button_html(kind, action, next_path)
        except (GouvConnectError, ValueError):  # a provider kind the core does not know
            continue
        buttons.append(mark_safe(html))  # noqa: S308 - escaped by the core
    if code:
        logger.warning("gouvconnect: %s failed: code=%s: %s", request.path, code, message)
    context = {
        "buttons": buttons,
        "button_css": mark_safe(BUTTON_CSS),  # noqa: S308 - constant of the core
        "code": code,
        "message": message,
        "next": next_path,
    }
    return _page(request, "gouvconnect/choose_provider.html", context, status=400 if code else 200)


def _origin_bounce(request: HttpRequest, redirect_uri: str) -> HttpResponse | None:
    """When the login is asked for on another host or port than the redirect URI's (``127.0.0.1``
    and ``localhost``), the same login URL on the redirect URI's origin: the session then lives
    on the host the provider comes back to. ``None`` when they match (the core moves a request
    at most once and never between ``http`` and ``https``)."""
    target = login_origin_redirect(redirect_uri, request.build_absolute_uri())
    if target is None:
        return None
    logger.info("gouvconnect: login asked on %s, sent to the redirect URI's origin", request.get_host())
    return HttpResponseRedirect(target)


@never_cache
@require_GET
def login(request: HttpRequest, provider: str | None = None) -> HttpResponse:
    """Redirects to the provider. ``?provider=`` (or the URL) picks it, else ``DEFAULT_PROVIDER``
    or the only configured provider; with several and no default, a page with each official
    button. ``?next=`` must be a local path (anything else is dropped)."""
    next_path = safe_next_path(request.GET.get("next"))
    try:
        asked = provider or request.GET.get("provider")
        name = asked or conf.default_provider()
        if name is None:
            if not conf.providers():
                return _fail(request, "invalid_config", "GOUVCONNECT configures no provider")
            return _chooser(request, next_path)
        try:
            settings = conf.provider(name)
        except KeyError:
            shown = f"« {name} »" if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", name) else "Ce fournisseur"
            return _chooser(
                request,
                next_path,
                "invalid_request",
                f"{shown} n’est pas un fournisseur d’identité de ce service : choisissez-en un.",
            )
    except conf.ConfigurationError as e:
        return _fail(request, "invalid_config", str(e))
    config = client_config(settings, request)
    bounce = _origin_bounce(request, str(config.get("redirect_uri", "")))
    if bounce is not None:
        return bounce
    try:
        return start_login(request, settings, {**settings.login_options, "next": next_path})
    except GouvConnectError as e:
        return error_response(request, e)


#: How long FranceConnect+ (or a cache between) may keep the public keys: short, so that a new
#: key published before a rotation is seen within minutes.
JWKS_MAX_AGE_SECS = 300


def _only_keyed_provider() -> str | None:
    """The name of the only entry with ``decryption_keys`` (FranceConnect+), else ``None``."""
    names = [name for name, entry in conf.providers().items() if entry.client_config.get("decryption_keys")]
    return names[0] if len(names) == 1 else None


@require_GET
def jwks(request: HttpRequest, provider: str | None = None) -> HttpResponse:
    """The public encryption keys of ``provider``'s ``decryption_keys`` (a JWKS, public members
    only): the URL to register at FranceConnect+, which encrypts the tokens to one of them.
    Without ``provider`` (``auth/jwks``, the Express host's route), the only entry with keys.
    404 (JSON, code ``invalid_request``) for a provider that is not configured or has no keys."""
    try:
        provider = provider or _only_keyed_provider()
        document = None if provider is None else public_jwks(provider, request)
    except (KeyError, conf.ConfigurationError):
        document = None
    except GouvConnectError as e:
        # A configuration the system checks refuse (gouvconnect.E003): said, never a bare 500.
        logger.warning("gouvconnect: %s failed: code=%s: %s", request.path, e.code, e.message)
        return JsonResponse({"error": e.code}, status=e.status)
    if document is None:
        return JsonResponse(
            {"error": "invalid_request", "error_description": "no encryption keys for this provider"},
            status=404,
        )
    response = HttpResponse(document, content_type="application/json")
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_SECS}"
    return response


#: What a pending login is for: an ordinary login, a step-up, a silent try, a silent renewal.
LoginKind = str


def start_login(
    request: HttpRequest,
    settings: conf.ProviderSettings,
    options: dict[str, Any],
    *,
    kind: LoginKind = "login",
    back: str | None = None,
    retry: str | None = None,
) -> HttpResponse:
    """Begins a login of ``settings``' provider with ``options`` (the keyword arguments of
    :meth:`gouvconnect.Client.begin_login`), keeps it in the session and redirects to the
    provider. ``kind``: ``login``, ``step_up``, ``silent`` (``prompt=none`` for an anonymous
    visitor) or ``renew`` (``prompt=none`` at the end of a login's lifetime). ``back``: the local
    page a refused step-up offers to return to, ``retry`` the URL that starts it again.
    Raises :class:`GouvConnectError`."""
    client = get_client(settings.name, request)
    started = client.begin_login(**options)
    entry: dict[str, Any] = {"provider": settings.name, "pending": started.pending}
    if kind != "login":
        entry["kind"] = kind
        entry["next"] = safe_next_path(options.get("next"))
    if back:
        entry["back"] = back
    if retry:
        entry["retry"] = retry
    request.session[conf.SESSION_PENDING] = entry
    # A login is under way: the silent login of anonymous visitors must not replace it.
    request.session[conf.SESSION_SILENT_TRIED] = True
    return HttpResponseRedirect(started.url)


def _local_referer(request: HttpRequest) -> str | None:
    """The path of the page the request came from, when it is on this site."""
    referer = request.headers.get("Referer")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    return safe_next_path(parts.path + (f"?{parts.query}" if parts.query else ""))


@never_cache
@require_GET
def step_up(request: HttpRequest) -> HttpResponse:
    """``?acr=<level>&next=/path[&back=/path]``: re-authenticates the signed-in user at ``acr``
    (ProConnect ``eidas2``, certification dirigeant…; Pro Santé Connect ``eidas2``: a card login)
    with the core's step-up options — the level as minimum, ProConnect's ``login_hint`` set to
    the user's email, PSC ``prompt=login``, the same person required on return. An anonymous
    visitor gets an ordinary login at that level (``?provider=`` or the default provider). A
    refusal (``step_up_user_mismatch``, ``acr_insufficient``…) leaves the session as it was and
    shows a page with a link back (``back``, else the referring page) and the support contact
    (``SUPPORT_URL``). :func:`gouvconnect.django.decorators.requires_acr` sends users here."""
    level = request.GET.get("acr", "")
    if not re.fullmatch(r"[A-Za-z0-9:/._-]{1,200}", level):
        return _fail(request, "invalid_request", "step-up without a valid `acr`")
    next_path = safe_next_path(request.GET.get("next"))
    back = safe_next_path(request.GET.get("back")) or _local_referer(request)
    from . import identity as current_identity

    identity = current_identity(request)
    try:
        if identity is not None:
            name = str(request.session.get(conf.SESSION_PROVIDER) or identity.get("provider"))
            settings = conf.provider(name)
            options = {**settings.login_options, **step_up_options(identity, level)}
        elif request.user.is_authenticated:
            # Signed in another way (e.g. a local password): there is no person to re-authenticate.
            return _fail(
                request,
                "acr_insufficient",
                "the signed-in user did not sign in through a gouvconnect provider",
            )
        else:
            name = request.GET.get("provider") or conf.default_provider() or ""
            settings = conf.provider(name)
            options = {**settings.login_options, "acr": level}
    except KeyError:
        return _fail(request, "invalid_request", "no such provider for this step-up")
    except conf.ConfigurationError as e:
        return _fail(request, "invalid_config", str(e))
    bounce = _origin_bounce(request, str(client_config(settings, request).get("redirect_uri", "")))
    if bounce is not None:
        return bounce
    options["next"] = next_path
    try:
        return start_login(
            request, settings, options, kind="step_up", back=back or "/", retry=request.get_full_path()
        )
    except GouvConnectError as e:
        return error_response(request, e)


def _session_is_new(request: HttpRequest) -> bool:
    """Whether the browser sent no session cookie at all (another host name, cookies blocked).

    A cookie naming a session the server no longer holds is an expired or used login
    (``no_pending_login``), as in the Express host: a login completed elsewhere, or a session
    store's expiry, must not read as a lost cookie.
    """
    return django_settings.SESSION_COOKIE_NAME not in request.COOKIES


def _refuse(
    request: HttpRequest, provider_name: str | None, error: GouvConnectError, identity: Identity | None = None
) -> HttpResponse:
    """A refused login: its ``login_refused`` event, then the error page."""
    signals.send(callback, request, "login_refused", provider_name, identity=identity, error=error)
    return error_response(request, error)


def _refuse_code(
    request: HttpRequest, provider_name: str | None, code: str, message: str, identity: Identity | None = None
) -> HttpResponse:
    return _refuse(request, provider_name, error_class(code)(code, message), identity)


def _default_provider_name() -> str | None:
    """The provider a callback without its pending login was most likely for (the default, or
    the only one), for its refusal event."""
    try:
        return conf.default_provider()
    except conf.ConfigurationError:
        return None


def _is_step_up(request: HttpRequest, user: Any, identity: Identity) -> bool:
    """The signed-in user logged in again, as the same subject, at a higher acr."""
    previous = request.session.get(conf.SESSION_IDENTITY)
    if not request.user.is_authenticated or request.user.pk != user.pk or not isinstance(previous, dict):
        return False
    return is_step_up(cast(Identity, previous), identity)


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Completes the login, signs the user in, keeps the identity in the session. Sends a
    ``login_succeeded`` (or ``step_up``) or ``login_refused`` event (``signals.login_event``)."""
    entry = request.session.get(conf.SESSION_PENDING)
    if not isinstance(entry, dict) or "pending" not in entry:
        if _session_is_new(request):
            # The browser did not send the session back: not an expired login but a cookie
            # left on another host name (127.0.0.1 vs localhost) or blocked.
            return _refuse_code(
                request,
                _default_provider_name(),
                "session_lost",
                f"the callback arrived on {request.get_host()} without a session cookie: the login "
                "started on another host name than the redirect URI's, or cookies are blocked",
            )
        if request.GET.get("error") in ("login_required", "consent_required", "interaction_required"):
            # A silent login's "not signed in" answered twice (a reload): nothing to report.
            return HttpResponseRedirect("/")
        return _refuse_code(
            request, _default_provider_name(), "no_pending_login", "no login in progress in this session"
        )
    del request.session[conf.SESSION_PENDING]
    name = str(entry.get("provider"))
    try:
        client = get_client(name, request)
        login_result = client.complete_login(entry["pending"], request.META.get("QUERY_STRING", ""))
    except KeyError:
        return _refuse_code(request, name, "no_pending_login", "the provider of this login is not configured")
    except conf.ConfigurationError as e:
        return _refuse_code(request, name, "invalid_config", str(e))
    except GouvConnectError as e:
        return _refused(request, name, entry, e)
    identity = login_result.identity
    # Pro Santé Connect: the practice is settled before the mapping runs (practice.py).
    choose_practice = practice.settle(request, identity, ask=entry.get("kind") != "step_up")
    try:
        user = auth.authenticate(request, gouvconnect_login=login_result, gouvconnect_provider=name)
        if user is None:
            denied = error_class("access_denied")(
                "access_denied", "no local account may sign in with this identity"
            )
            return _refused(request, name, entry, denied, identity)
        kind: EventKind = "step_up" if _is_step_up(request, user, identity) else "login_succeeded"
        auth.login(request, user, backend=_backend_path(user))
    except DatabaseError as e:
        # The user store failed (locked, unreachable): the error page, never a bare 500.
        failed = error_class("internal_error")("internal_error", f"the user store failed: {type(e).__name__}")
        return _refused(request, name, entry, failed, identity)
    # After auth.login: it rotates the session key and keeps these values.
    request.session[conf.SESSION_IDENTITY] = identity
    request.session[conf.SESSION_PROVIDER] = name
    request.session[conf.SESSION_ID_TOKEN] = login_result.id_token
    request.session[conf.SESSION_SILENT_TRIED] = True
    request.session.pop(conf.SESSION_RENEWAL_TRIED, None)
    _set_lifetime(request, name, login_result.session_expires_at)
    keep_refresh_token(request, name, login_result.refresh_token)
    signals.send(callback, request, kind, name, identity=identity)
    target = login_result.next or conf.global_setting("LOGIN_REDIRECT_URL", "/")
    if choose_practice:
        return HttpResponseRedirect(practice.picker_url(login_result.next))
    return HttpResponseRedirect(safe_next_path(str(target)) or "/")


#: Django's session engine that stores the session in the browser's cookie.
_COOKIE_SESSIONS = "django.contrib.sessions.backends.signed_cookies"


def keep_refresh_token(request: HttpRequest, name: str, refresh_token: str | None) -> None:
    """Keeps the refresh token in the session when renewal is on for the provider (the
    middleware renews with it every ``renew_every`` seconds), with the time of this login. Never
    in a cookie-backed session: the token would travel to the browser."""
    request.session.pop(conf.SESSION_REFRESH_TOKEN, None)
    request.session.pop(conf.SESSION_RENEWED_AT, None)
    try:
        every = conf.provider(name).renew_every
    except (KeyError, conf.ConfigurationError):
        every = None
    if every and refresh_token and django_settings.SESSION_ENGINE != _COOKIE_SESSIONS:
        request.session[conf.SESSION_REFRESH_TOKEN] = refresh_token
        request.session[conf.SESSION_RENEWED_AT] = int(time.time())


#: How long the session record outlives the login when a silent renewal may be tried at its end
#: (the middleware ends the login itself at ``session_expires_at``).
RENEWAL_GRACE_SECS = 3600


def _set_lifetime(request: HttpRequest, name: str, expires_at: int) -> None:
    """Keeps the login's end (``session_expires_at``) and makes Django's session expire then
    (one hour later when a silent renewal may be tried), unless Django's own age is shorter or
    the session ends with the browser (``SESSION_EXPIRE_AT_BROWSER_CLOSE``: kept so; the
    middleware ends the login)."""
    if not expires_at:
        return
    request.session[conf.SESSION_EXPIRES_AT] = expires_at
    if django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        return
    try:
        silent = conf.provider(name).silent_login
    except (KeyError, conf.ConfigurationError):
        silent = False
    end = expires_at + (RENEWAL_GRACE_SECS if silent else 0)
    if end - time.time() < django_settings.SESSION_COOKIE_AGE:
        request.session.set_expiry(datetime.fromtimestamp(end, tz=timezone.utc))


#: The silent login's answer that only means "not signed in at the provider".
_NOT_SIGNED_IN = "login_required"


def _refused(
    request: HttpRequest,
    provider_name: str,
    entry: dict[str, Any],
    error: GouvConnectError,
    identity: Identity | None = None,
) -> HttpResponse:
    """A login of ``entry`` that signs nobody in, by its kind: the error page (a login), the
    page with the alternative paths (a step-up: the session is left as it was), back to where
    the visitor was (a silent login: ``login_required`` is no refusal, just "not signed in"), or
    the end of the expired login (a silent renewal)."""
    kind = entry.get("kind", "login")
    next_path = safe_next_path(str(entry.get("next") or "")) or "/"
    if kind in ("silent", "renew"):
        if error.code == _NOT_SIGNED_IN:
            logger.info("gouvconnect: silent %s: not signed in at the provider", kind)
        else:
            logger.warning("gouvconnect: silent %s failed: code=%s: %s", kind, error.code, error.message)
            signals.send(callback, request, "login_refused", provider_name, identity=identity, error=error)
        if kind == "renew":
            _local_logout(callback, request)
            request.session[conf.SESSION_SILENT_TRIED] = True
        return HttpResponseRedirect(next_path)
    signals.send(callback, request, "login_refused", provider_name, identity=identity, error=error)
    if kind == "step_up":
        return step_up_refused(request, error, back=entry.get("back"), retry=entry.get("retry"))
    return error_response(request, error)


def step_up_refused(
    request: HttpRequest, error: GouvConnectError, back: str | None = None, retry: str | None = None
) -> HttpResponse:
    """The page of a refused step-up: the code and its sentence, and the alternative paths the
    partner documentation asks for — back to the page the user came from (their session is
    unchanged), try again, or contact support (``SUPPORT_URL``). ``ERROR_TEMPLATE``, when set,
    is rendered instead with the same context (``step_up`` true)."""
    logger.warning("gouvconnect: %s failed: code=%s: %s", request.path, error.code, error.message)
    home = str(conf.global_setting("LOGOUT_REDIRECT_URL", "/"))
    support = conf.global_setting("SUPPORT_URL")
    context = {
        "code": error.code,
        "message": error.user_message,
        "status": error.status,
        "step_up": True,
        "back": safe_next_path(back or "") or home,
        "retry": safe_next_path(retry or ""),
        # Never a `javascript:` link, even when the system check was silenced.
        "support_url": support if isinstance(support, str) and is_support_link(support) else None,
        "home": home,
    }
    template = conf.global_setting("ERROR_TEMPLATE")
    if template:
        body = render_to_string(template, context, request=request)
        return HttpResponse(body, status=error.status, content_type="text/html; charset=utf-8")
    return _page(request, "gouvconnect/step_up_refused.html", context, status=error.status)


def _backend_path(user: object) -> str:
    return getattr(user, "backend", None) or BACKEND


@never_cache
def logout(request: HttpRequest) -> HttpResponse:
    """``POST`` (CSRF-protected): sends the user to the provider's end-session endpoint (with
    ``state``), or logs out locally when the provider has none; the local session ends at the
    logout callback. ``GET`` logs nobody out: a page with the logout button (a link cannot log
    a user out behind their back). Other methods: 405, with a page naming the method."""
    home = str(conf.global_setting("LOGOUT_REDIRECT_URL", "/"))
    if request.method != "POST":
        page = {"action": request.path, "home": home, "signed_in": request.user.is_authenticated}
        if request.method in ("GET", "HEAD"):
            return _page(request, "gouvconnect/logout.html", page)
        response = _page(request, "gouvconnect/logout.html", {**page, "method": request.method}, 405)
        response["Allow"] = "GET, HEAD, POST"
        return response
    name = request.session.get(conf.SESSION_PROVIDER)
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
        _local_logout(logout, request)
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
    _local_logout(logout_callback, request)
    return HttpResponseRedirect(str(conf.global_setting("LOGOUT_REDIRECT_URL", "/")))


def _local_logout(sender: Any, request: HttpRequest) -> None:
    """Ends the local session of a gouvconnect login, after its ``logout`` event."""
    name = request.session.get(conf.SESSION_PROVIDER)
    identity = request.session.get(conf.SESSION_IDENTITY)
    if name and request.user.is_authenticated:
        signals.send(
            sender, request, "logout", str(name), identity=identity if isinstance(identity, dict) else None
        )
    auth.logout(request)
