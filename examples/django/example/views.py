import gouvconnect.django
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


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
