from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me", views.me, name="me"),
    path("sensitive", views.sensitive, name="sensitive"),
    path("auth/", include("gouvconnect.django.urls")),
]
