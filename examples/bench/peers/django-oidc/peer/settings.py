"""Settings of the mozilla-django-oidc peer: endpoints from the emulator's discovery document
(fetched once at start), the same middleware, database and session settings as the example."""

import json
import os
import secrets
import tempfile
import urllib.request
from pathlib import Path

ISSUER = os.environ["OIDC_ISSUER"].rstrip("/")
with urllib.request.urlopen(f"{ISSUER}/.well-known/openid-configuration") as r:
    _discovery = json.load(r)

SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "mozilla_django_oidc",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer.urls"
TEMPLATES = []
_db = os.environ.get("PEER_DB") or Path(tempfile.mkdtemp(prefix="bench-peer-django-")) / "db.sqlite3"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(_db)}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
AUTHENTICATION_BACKENDS = ["peer.backend.SignedUserinfoBackend"]
LOGIN_REDIRECT_URL = "/"

OIDC_RP_CLIENT_ID = os.environ["OIDC_CLIENT_ID"]
OIDC_RP_CLIENT_SECRET = os.environ["OIDC_CLIENT_SECRET"]
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_ALG", "RS256")
OIDC_RP_SCOPES = "openid email given_name usual_name siret uid"
OIDC_OP_AUTHORIZATION_ENDPOINT = _discovery["authorization_endpoint"]
OIDC_OP_TOKEN_ENDPOINT = _discovery["token_endpoint"]
OIDC_OP_USER_ENDPOINT = _discovery["userinfo_endpoint"]
OIDC_OP_JWKS_ENDPOINT = _discovery["jwks_uri"]
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
