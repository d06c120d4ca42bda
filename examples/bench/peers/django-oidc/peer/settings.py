"""Settings of the mozilla-django-oidc peer: endpoints from the emulator's discovery document
(fetched once at start), the same middleware, database and session settings as the example.

What this peer verifies (mozilla-django-oidc 5.x, PyJWT underneath): state, nonce, PKCE, the
id_token (signature with the JWKS key for OIDC_RP_SIGN_ALGO, exp/iat/nbf; not iss, not aud), and
the signed userinfo JWT (signature, exp/iat/nbf), the JWKS fetched again for each of the two.
What it does NOT check on the userinfo JWT: iss, aud, nor that its sub equals the id_token's."""

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
# PostgreSQL when the benchmark started one (BENCH_PG_HOST: its socket directory), as the Django
# example's run does (examples/bench/django_pg_settings.py); SQLite otherwise.
if os.environ.get("BENCH_PG_HOST"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["BENCH_PG_DB"],
            "USER": os.environ.get("BENCH_PG_USER", "bench"),
            "HOST": os.environ["BENCH_PG_HOST"],
            # One connection per waitress thread, kept: how Django is run on PostgreSQL.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }
else:
    _db = os.environ.get("PEER_DB") or Path(tempfile.mkdtemp(prefix="bench-peer-django-")) / "db.sqlite3"
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(_db)}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# The library's own backend: since 5.0 it reads a signed (application/jwt) userinfo itself.
AUTHENTICATION_BACKENDS = ["mozilla_django_oidc.auth.OIDCAuthenticationBackend"]
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
