"""Include under a prefix, e.g. ``path("auth/", include("gouvconnect.django.urls"))``:
``auth/login`` (``?provider=&next=``), ``auth/login/<provider>``, ``auth/callback``,
``auth/logout`` (POST), ``auth/logout/callback``, ``auth/step-up`` (``?acr=&next=``),
``auth/practice`` (Pro Santé Connect practice picker), ``auth/jwks/<provider>`` (FranceConnect+:
the public encryption keys, the URL to register at FranceConnect+; ``auth/jwks`` when a single
entry has keys)."""

from django.urls import path

from . import practice, views

app_name = "gouvconnect"

urlpatterns = [
    path("login", views.login, name="login"),
    path("login/<str:provider>", views.login, name="login_provider"),
    path("callback", views.callback, name="callback"),
    path("logout", views.logout, name="logout"),
    path("logout/callback", views.logout_callback, name="logout_callback"),
    path("step-up", views.step_up, name="step_up"),
    path("practice", practice.practice, name="practice"),
    path("jwks", views.jwks, name="jwks_only"),
    path("jwks/<str:provider>", views.jwks, name="jwks"),
]
