"""Settings of the example: everything comes from the environment of docs/architecture.md §6.

Optional extension of the contract, for running several instances behind one public URL:
GOUVCONNECT_REDIS_URL (e.g. ``redis://127.0.0.1:6379/0``) keeps the sessions in Redis through
Django's built-in Redis cache backend (needs the ``redis`` package) instead of the database.
Every instance then needs the same DJANGO_SECRET_KEY (it signs and hashes what sessions hold),
the same GOUVCONNECT_BASE_URL and the same database (GOUVCONNECT_EXAMPLE_DB: the user accounts).
Unset, nothing changes.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import django
from gouvconnect import provider_kind

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]  # the repository

PORT = int(os.environ.get("PORT", "8000"))
PROVIDER = os.environ.get("GOUVCONNECT_PROVIDER", "proconnect")
BASE_URL = os.environ.get("GOUVCONNECT_BASE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

# A fresh key per process unless given: sessions simply do not survive a restart.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", urlsplit(BASE_URL).hostname or "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "gouvconnect.django",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The login's maximum age and, when GOUVCONNECT_SILENT_LOGIN is set, the silent login.
    "gouvconnect.django.middleware.GouvConnectMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "example.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
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
WSGI_APPLICATION = "example.wsgi.application"

_db = os.environ.get("GOUVCONNECT_EXAMPLE_DB") or str(
    ROOT / ".build" / "example-django" / f"db-{PORT}.sqlite3"
)
Path(_db).parent.mkdir(parents=True, exist_ok=True)
# SQLite under concurrent logins: wait for the write lock instead of failing at once, and take
# it at the start of a transaction (Django 5.1+) so that a reader never has to upgrade.
_sqlite_options: dict[str, object] = {"timeout": 20}
if django.VERSION >= (5, 1):
    _sqlite_options["transaction_mode"] = "IMMEDIATE"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _db, "OPTIONS": _sqlite_options}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGE_CODE = "fr-fr"

AUTHENTICATION_BACKENDS = [
    "gouvconnect.django.backends.GouvConnectBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "gouvconnect:login"  # @login_required leads to the login route
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Optional: sessions shared by every instance (the pending login, hence its single-use state,
# included). The database stays the source of user accounts.
if os.environ.get("GOUVCONNECT_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["GOUVCONNECT_REDIS_URL"],
            "KEY_PREFIX": "gouvconnect-example",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True

_entry = {
    "client_id": os.environ.get("GOUVCONNECT_CLIENT_ID", ""),
    "client_secret": os.environ.get("GOUVCONNECT_CLIENT_SECRET", ""),
    "redirect_uri": f"{BASE_URL}/auth/callback",
    "post_logout_redirect_uri": f"{BASE_URL}/auth/logout/callback",
    "mapping": {
        "fields": {"email": "email", "first_name": "given_name", "last_name": "family_name"},
        "groups": [
            {"group": "siret:{proconnect.siret}", "field": "proconnect.siret"},
            {
                "group": "medecins",
                "field": "prosanteconnect.exercices[].profession_code",
                "equals": "10",
            },
        ],
    },
}
if os.environ.get("GOUVCONNECT_ISSUER"):
    _entry["issuer"] = os.environ["GOUVCONNECT_ISSUER"]
else:
    # ProConnect's test platform is `integration`; the others' is `sandbox`.
    _entry["environment"] = os.environ.get("GOUVCONNECT_ENVIRONMENT") or (
        "integration" if provider_kind(PROVIDER) == "proconnect" else "sandbox"
    )
# FranceConnect+ (beyond the example contract, as in the Express example): the private keys it
# encrypts the tokens to, as a file (the emulator's demo clients use
# emulator/keys/demo-fcp-client-enc.jwks.json, test-only and public) or as text. Their public
# halves are served at /auth/jwks/<provider>, the URL to register at FranceConnect+.
if os.environ.get("GOUVCONNECT_DECRYPTION_KEYS_FILE"):
    _entry["decryption_keys_file"] = os.environ["GOUVCONNECT_DECRYPTION_KEYS_FILE"]
elif os.environ.get("GOUVCONNECT_DECRYPTION_KEYS"):
    _entry["decryption_keys"] = os.environ["GOUVCONNECT_DECRYPTION_KEYS"]
# Optional, beyond the example contract (as in the Express example): space-separated scopes
# instead of the provider's defaults (the scopes the policy needs are always added).
if os.environ.get("GOUVCONNECT_SCOPES"):
    _entry["scopes"] = os.environ["GOUVCONNECT_SCOPES"].split()
if os.environ.get("GOUVCONNECT_ACR"):
    _entry["acr"] = os.environ["GOUVCONNECT_ACR"]
# Optional: the provider timeout in seconds (the core's default is 10).
if os.environ.get("GOUVCONNECT_TIMEOUT_SECS"):
    _entry["timeout_secs"] = int(os.environ["GOUVCONNECT_TIMEOUT_SECS"])
# Optional, the login lifecycle: MFA `off`/`prefer`/`require` (ProConnect), silent login
# (`prompt=none` once per browser session), the login's maximum age in seconds (default 12 h).
if os.environ.get("GOUVCONNECT_MFA"):
    _entry["mfa"] = os.environ["GOUVCONNECT_MFA"]
if os.environ.get("GOUVCONNECT_SILENT_LOGIN"):
    _entry["silent_login"] = True
if os.environ.get("GOUVCONNECT_SESSION_MAX_AGE_SECS"):
    _entry["session_max_age_secs"] = int(os.environ["GOUVCONNECT_SESSION_MAX_AGE_SECS"])
# The level /sensitive asks for, by step-up (ProConnect eidas2: MFA; Pro Santé Connect eidas2:
# a CPS card login).
STEP_UP_ACR = os.environ.get("GOUVCONNECT_STEP_UP_ACR") or "eidas2"

GOUVCONNECT = {PROVIDER: _entry}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"gouvconnect": {"handlers": ["stderr"], "level": "INFO"}},
}
