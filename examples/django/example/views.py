import gouvconnect.django
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from gouvconnect.django.decorators import requires_acr


def home(request: HttpRequest) -> HttpResponse:
    """The official button, or who is signed in and a logout button."""
    return render(
        request,
        "home.html",
        {"provider": settings.PROVIDER, "identity": gouvconnect.django.identity(request)},
    )


def me(request: HttpRequest) -> JsonResponse:
    """The normalised identity as JSON, or 401."""
    identity = gouvconnect.django.identity(request)
    if identity is None:
        return JsonResponse({"error": "not_authenticated"}, status=401)
    return JsonResponse(identity)


@requires_acr(settings.STEP_UP_ACR)
def sensitive(request: HttpRequest) -> HttpResponse:
    """A sensitive action: needs GOUVCONNECT_STEP_UP_ACR (default eidas2); a user signed in at
    a lower level is re-authenticated at it (step-up) and comes back here."""
    identity = gouvconnect.django.identity(request) or {}
    return HttpResponse(
        format_html(
            '<!doctype html><html lang="fr"><title>Action sensible</title>'
            '<p id="sensitive">Action sensible autorisée (niveau {})</p></html>',
            identity.get("acr"),
        )
    )
