"""``@requires_acr(level)``: a view that needs a higher authentication level than the user's.

    from gouvconnect.django.decorators import requires_acr

    @requires_acr("eidas2")          # ProConnect: MFA; Pro Santé Connect: a CPS card login
    def sign(request): ...

A user whose acr meets ``level`` (by the core's ranking of the provider's levels) gets the
view. Otherwise the browser goes to ``gouvconnect:step_up``, which re-authenticates the same
person at that level (ProConnect's ``login_hint`` set to their email; Pro Santé Connect
``prompt=login``) and comes back to the view; another account coming back is refused
(``step_up_user_mismatch``) and the session stays as it was. An anonymous visitor logs in at
that level. The class-based form is :class:`gouvconnect.django.mixins.RequiresAcrMixin`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .. import GouvConnectError, acr_satisfies, safe_next_path

__all__ = ["acr_step_up_response", "requires_acr", "silent_login_exempt"]

View = TypeVar("View", bound=Callable[..., HttpResponse])


def acr_step_up_response(
    request: HttpRequest, level: str, provider: str | None = None
) -> HttpResponse | None:
    """``None`` when the signed-in user's acr meets ``level``; else the redirect that starts the
    step-up (or, for an anonymous visitor, a login at ``level`` with ``provider`` or the default
    one). A ``GET`` comes back to the same URL; another method (a form's ``POST``, which is not
    replayed) to the page it was sent from."""
    from . import identity as current_identity
    from .views import error_response

    identity = current_identity(request)
    if identity is not None:
        try:
            if acr_satisfies(str(identity.get("provider")), identity.get("acr"), minimum=level):
                return None
        except GouvConnectError as e:  # a level this provider does not have: the site's mistake
            return error_response(request, e)
    from .views import _local_referer

    referer = _local_referer(request)
    if request.method in ("GET", "HEAD"):
        next_path = safe_next_path(request.get_full_path())
    else:
        next_path = referer
    query = {"acr": level, "next": next_path or "/"}
    if referer:
        query["back"] = referer
    if provider and identity is None:
        query["provider"] = provider
    return HttpResponseRedirect(f"{reverse('gouvconnect:step_up')}?{urlencode(query)}")


def requires_acr(level: str, *, provider: str | None = None) -> Callable[[View], View]:
    """Decorates a view so that it runs only for a user authenticated at ``level`` or above
    (ProConnect: ``eidas1``, ``eidas1-mfa``, ``eidas2``, ``eidas3``, certification dirigeant;
    Pro Santé Connect: ``eidas2``, a card login). ``provider``: the one an anonymous visitor logs
    in with (default: ``DEFAULT_PROVIDER`` or the only one)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = acr_step_up_response(request, level, provider)
            if response is not None:
                return response
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def silent_login_exempt(view: View) -> View:
    """Marks a view the silent login never redirects from (e.g. a public page crawlers index,
    a health check): :class:`gouvconnect.django.middleware.GouvConnectMiddleware` skips it."""
    view.gouvconnect_silent_login_exempt = True  # type: ignore[attr-defined]
    return view
