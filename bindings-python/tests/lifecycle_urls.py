"""URLconf of the login-lifecycle tests: pages behind @requires_acr and RequiresAcrMixin."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views import View
from gouvconnect.django import identity
from gouvconnect.django.decorators import requires_acr, silent_login_exempt
from gouvconnect.django.mixins import RequiresAcrMixin


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("signed in" if request.user.is_authenticated else "anonymous")


def me(request: HttpRequest) -> JsonResponse:
    found = identity(request)
    return JsonResponse(found or {"error": "not_authenticated"}, status=200 if found else 401)


@requires_acr("eidas2")
def sensitive(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"sensitive at {identity(request)['acr']}")  # type: ignore[index]


@silent_login_exempt
def public(request: HttpRequest) -> HttpResponse:
    return HttpResponse("public")


class SignView(RequiresAcrMixin, View):
    acr_required = "eidas2"

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("signed")


urlpatterns = [
    path("page", page),
    path("me", me),
    path("sensitive", sensitive),
    path("sign", SignView.as_view()),
    path("public", public),
    path("auth/", include("gouvconnect.django.urls")),
]
