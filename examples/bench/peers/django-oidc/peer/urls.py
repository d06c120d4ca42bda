from django.http import JsonResponse
from django.urls import path
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView


def me(request):
    """The logged-in user as JSON (like the example's /me), or 401."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "not_logged_in"}, status=401)
    u = request.user
    return JsonResponse({"sub": u.username, "email": u.email, "given_name": u.first_name})


urlpatterns = [
    path("me", me),
    path("auth/login", OIDCAuthenticationRequestView.as_view(), name="oidc_authentication_init"),
    path("auth/callback", OIDCAuthenticationCallbackView.as_view(), name="oidc_authentication_callback"),
]
