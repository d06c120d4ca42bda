"""A project that mounts gouvconnect's URLs under ``oidc/`` (test_doctor)."""

from django.urls import include, path

urlpatterns = [path("oidc/", include("gouvconnect.django.urls"))]
