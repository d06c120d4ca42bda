"""Settings of the Django unit tests (pytest-django)."""

SECRET_KEY = "tests-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "app.example"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "gouvconnect.django",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "django_urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
AUTHENTICATION_BACKENDS = ["gouvconnect.django.backends.GouvConnectBackend"]
LOGIN_REDIRECT_URL = "/home"
GOUVCONNECT = {
    "proconnect": {
        "environment": "integration",
        "OIDC_RP_CLIENT_ID": "my-client",
        "OIDC_RP_CLIENT_SECRET": "my-secret-0123456789",
        "OIDC_AUTHENTICATION_CALLBACK_URL": "https://app.example/auth/callback",
        "post_logout_redirect_uri": "https://app.example/auth/logout/callback",
    }
}
