"""The Pro Santé Connect practice picker: a health professional with several practices
(exercices × activities) chooses, after login, the one this session acts for. The choice is
``identity["practice"]`` (mapping rules can use ``practice.…`` paths: groups are refreshed when
it changes); the same page (``gouvconnect:practice``) lets the user switch later. With one
practice there is nothing to ask."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import BACKEND_SESSION_KEY, load_backend
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import GouvConnectError, Mapping, practices, safe_next_path, with_practice
from . import conf

logger = logging.getLogger("gouvconnect.django")


def settle(request: HttpRequest, identity: dict[str, Any], *, ask: bool = True) -> bool:
    """After a login (before the user is authenticated, so that the mapping sees it): sets
    ``identity["practice"]`` when there is nothing to ask — the only practice, or the one the
    same person had chosen before this login (a step-up keeps it). ``True`` when the user must
    choose (never when ``ask`` is false: a step-up goes back where it was going)."""
    if identity.get("provider") != "prosanteconnect":
        return False
    choices = practices(identity)
    chosen: str | None = choices[0]["id"] if len(choices) == 1 else None
    previous = request.session.get(conf.SESSION_IDENTITY)
    if chosen is None and isinstance(previous, dict) and isinstance(previous.get("practice"), dict):
        same = previous.get("sub") == identity.get("sub") and previous.get("provider") == identity.get(
            "provider"
        )
        kept = previous["practice"].get("id")
        if same and any(p["id"] == kept for p in choices):
            chosen = kept
    if chosen is not None:
        identity["practice"] = with_practice(identity, chosen)["practice"]
        return False
    return ask and len(choices) > 1


def picker_url(next_path: str | None = None) -> str:
    """The picker's URL, coming back to ``next_path`` (a local path) after the choice."""
    url = reverse("gouvconnect:practice")
    return f"{url}?{urlencode({'next': next_path})}" if next_path and safe_next_path(next_path) else url


def _describe(p: dict[str, Any]) -> dict[str, Any]:
    profession = p.get("profession_label") or (
        f"Profession {p['profession_code']}" if p.get("profession_code") else "Profession non précisée"
    )
    return {
        "id": p["id"],
        "profession": profession,
        "specialty": p.get("savoir_faire_label"),
        "structure": p.get("name") or p.get("commercial_name") or "Structure non précisée",
        "place": p.get("postal_code")
        or (f"département {p['department_code']}" if p.get("department_code") else ""),
        "details": " · ".join(x for x in (p.get("mode_label"), p.get("sector_label")) if x),
    }


def _refresh_groups(request: HttpRequest, identity: dict[str, Any]) -> None:
    """Re-applies the provider's mapping (fields and groups) with the chosen practice."""
    from .backends import GouvConnectBackend

    name = request.session.get(conf.SESSION_PROVIDER)
    try:
        settings = conf.provider(str(name))
    except (KeyError, conf.ConfigurationError):
        return
    # The backend that signed the user in (a subclass's update_user included).
    backend: GouvConnectBackend = GouvConnectBackend()
    path = request.session.get(BACKEND_SESSION_KEY)
    if path:
        try:
            loaded = load_backend(str(path))
        except ImportError:
            loaded = None
        if isinstance(loaded, GouvConnectBackend):
            backend = loaded
    if settings.update_user:
        backend.request = request
        backend._call_update_user(request.user, identity, Mapping(settings.mapping).apply(identity), settings)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def practice(request: HttpRequest) -> HttpResponse:
    """Shows the choice (GET) and records it (POST, CSRF-protected by Django's middleware)."""
    identity = request.session.get(conf.SESSION_IDENTITY)
    choices = practices(identity) if isinstance(identity, dict) else []
    home = safe_next_path(str(conf.global_setting("LOGIN_REDIRECT_URL", "/"))) or "/"
    if not choices:
        return HttpResponseRedirect(home)
    assert isinstance(identity, dict)
    next_path = request.POST.get("next") if request.method == "POST" else request.GET.get("next")
    next_path = safe_next_path(next_path) if next_path else None
    error = None
    if request.method == "POST":
        try:
            chosen = with_practice(identity, request.POST.get("practice", ""))
        except GouvConnectError as e:
            logger.warning("gouvconnect: practice not chosen (code=%s)", e.code)
            error = "Choisissez l’un des exercices proposés."
        else:
            request.session[conf.SESSION_IDENTITY] = chosen
            _refresh_groups(request, chosen)
            return HttpResponseRedirect(next_path or home, status=303)
    current = identity.get("practice") or {}
    context = {
        "who": " ".join(x for x in (identity.get("given_name"), identity.get("family_name")) if x),
        "choices": [_describe(p) for p in choices],
        "current": current.get("id") if isinstance(current, dict) else None,
        "next": next_path,
        "error": error,
    }
    return render(request, "gouvconnect/practice.html", context, status=400 if error else 200)
