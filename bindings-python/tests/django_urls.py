from django.urls import include, path

urlpatterns = [path("auth/", include("gouvconnect.django.urls"))]
