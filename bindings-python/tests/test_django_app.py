"""gouvconnect.django: settings, checks, backend, views, template tag, command."""

from __future__ import annotations

import json
import re
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import gouvconnect
import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template
from django.test import Client as DjangoClient
from gouvconnect.django import checks, conf
from gouvconnect.django.backends import GouvConnectBackend
from gouvconnect.django.clients import clear_cache
from gouvconnect.django.models import ProviderLink
from harness import CLIENTS, ROOT, login_on_emulator

VECTORS = ROOT / "tests" / "vectors"


def identity_from_vector(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / f"{name}.json").read_text())["expected"]["identity"]


def pc_identity(**changes: Any) -> dict[str, Any]:
    identity = identity_from_vector("pc_rs256_full_claims")
    identity.update(changes)
    return identity


def login_of(identity: dict[str, Any]) -> gouvconnect.Login:
    return gouvconnect.Login(identity, "id.token.x", "at", None, 60, None)


def entry(**extra: Any) -> dict[str, Any]:
    return {
        "environment": "integration",
        "client_id": "my-client",
        "client_secret": "my-secret-0123456789",
        **extra,
    }


@pytest.fixture(autouse=True)
def _fresh_clients() -> None:
    clear_cache()


# -- settings and checks -----------------------------------------------------------------


def test_settings_accept_oidc_aliases_and_policy_keys() -> None:
    parsed = conf.parse_provider(
        "proconnect",
        {
            "OIDC_RP_CLIENT_ID": "id",
            "OIDC_RP_CLIENT_SECRET": "s",
            "OIDC_RP_SCOPES": "openid email siret",
            "ENVIRONMENT": "integration",
            "acr": "eidas1",
            "mapping": {"fields": {}},
            "email_fallback": True,
        },
    )
    assert parsed.client_config == {
        "client_id": "id",
        "client_secret": "s",
        "scopes": ["openid", "email", "siret"],
        "environment": "integration",
        "provider": "proconnect",
        "policy": {"acr": "eidas1"},
    }
    assert parsed.email_fallback and parsed.create_user
    with pytest.raises(conf.ConfigurationError):
        conf.parse_provider("proconnect", {"OIDC_RP_IDP_SIGN_KEY": "x"})


def test_checks_pass_on_valid_settings() -> None:
    assert checks.check_settings() == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("not a dict", "gouvconnect.E001"),
        ({"proconnect": "x"}, "gouvconnect.E002"),
        ({"proconnect": entry(environment="nowhere")}, "gouvconnect.E003"),
        ({"proconnect": entry(client_idd="typo")}, "gouvconnect.E003"),
        ({"proconnect": entry(mapping={"groups": [{"group": "", "field": "x"}]})}, "gouvconnect.E004"),
        ({"LOGIN_REDIRECT_URL": "/"}, "gouvconnect.E005"),
    ],
)
def test_checks_report_wrong_settings(settings: Any, value: Any, expected: str) -> None:
    settings.GOUVCONNECT = value
    assert expected in [m.id for m in checks.check_settings()]


@pytest.mark.parametrize("link", ["javascript:alert(1)", "//evil.example/help", "aide", 42])
def test_check_refuses_a_support_url_that_is_not_a_link(settings: Any, link: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(), "SUPPORT_URL": link}
    assert [m.id for m in checks.check_settings()] == ["gouvconnect.E007"]
    settings.GOUVCONNECT = {"proconnect": entry(), "SUPPORT_URL": "https://aide.example.gouv.fr"}
    assert checks.check_settings() == []


def test_check_flags_a_default_provider_that_is_not_configured(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(), "DEFAULT_PROVIDER": "prosanteconnect"}
    assert [m.id for m in checks.check_settings()] == ["gouvconnect.E006"]


def test_check_flags_a_redirect_uri_outside_allowed_hosts(settings: Any) -> None:
    settings.GOUVCONNECT = {
        "proconnect": entry(
            redirect_uri="http://localhost:8000/auth/callback",
            post_logout_redirect_uri="https://app.example/auth/logout/callback",
        )
    }
    found = checks.check_settings()
    assert [m.id for m in found] == ["gouvconnect.W002"]
    assert "'localhost'" in found[0].msg and "ALLOWED_HOSTS" in found[0].hint
    settings.ALLOWED_HOSTS = [".localhost", "app.example"]
    assert checks.check_settings() == []


def test_check_applies_the_debug_loopback_hosts(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(redirect_uri="http://localhost:8000/auth/callback")}
    settings.ALLOWED_HOSTS = []
    settings.DEBUG = True
    assert checks.check_settings() == []
    settings.DEBUG = False
    assert [m.id for m in checks.check_settings()] == ["gouvconnect.W002"]


def test_two_providers_without_default_pass_the_checks(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(), "prosanteconnect": entry(environment="sandbox")}
    assert checks.check_settings() == []


def test_check_warns_without_backend(settings: Any) -> None:
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert [m.id for m in checks.check_settings()] == ["gouvconnect.W001"]


@pytest.mark.django_db
def test_migrations_match_the_model() -> None:
    out = StringIO()
    call_command("makemigrations", "gouvconnect", "--check", "--dry-run", stdout=out)


# -- backend ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_backend_creates_links_and_updates(settings: Any) -> None:
    settings.GOUVCONNECT = {
        "proconnect": entry(
            mapping={
                "fields": {"email": "email", "last_name": "family_name"},
                "groups": [{"group": "siret:{proconnect.siret}", "field": "proconnect.siret"}],
            }
        )
    }
    backend = GouvConnectBackend()
    identity = pc_identity()
    user = backend.authenticate(None, gouvconnect_login=login_of(identity), gouvconnect_provider="proconnect")
    assert user is not None
    assert user.username == f"proconnect:{identity['sub']}"
    assert user.email == identity["email"] and user.last_name == identity["family_name"]
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [f"siret:{identity['proconnect']['siret']}"]
    link = ProviderLink.objects.get(provider="proconnect", sub=identity["sub"])
    assert link.user == user and link.last_login is not None

    again = backend.authenticate(
        None,
        gouvconnect_login=login_of(pc_identity(family_name="Nouveau")),
        gouvconnect_provider="proconnect",
    )
    assert again == user
    user.refresh_from_db()
    assert user.last_name == "Nouveau"
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_backend_refuses_when_create_user_is_off(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(create_user=False)}
    assert (
        GouvConnectBackend().authenticate(
            None, gouvconnect_login=login_of(pc_identity()), gouvconnect_provider="proconnect"
        )
        is None
    )


@pytest.mark.django_db
def test_email_fallback_is_off_by_default() -> None:
    existing = get_user_model().objects.create(username="alice", email=pc_identity()["email"])
    user = GouvConnectBackend().authenticate(
        None, gouvconnect_login=login_of(pc_identity()), gouvconnect_provider="proconnect"
    )
    assert user is not None and user != existing


@pytest.mark.django_db
def test_email_fallback_links_an_existing_user(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(email_fallback=True)}
    existing = get_user_model().objects.create(username="alice", email=pc_identity()["email"].upper())
    user = GouvConnectBackend().authenticate(
        None, gouvconnect_login=login_of(pc_identity()), gouvconnect_provider="proconnect"
    )
    assert user == existing
    assert ProviderLink.objects.get(user=existing).sub == pc_identity()["sub"]


@pytest.mark.django_db
def test_email_fallback_never_for_an_unverified_email(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(email_fallback=True)}
    existing = get_user_model().objects.create(username="alice", email=pc_identity()["email"])
    user = GouvConnectBackend().authenticate(
        None,
        gouvconnect_login=login_of(pc_identity(email_verified=False)),
        gouvconnect_provider="proconnect",
    )
    assert user is not None and user != existing
    assert not ProviderLink.objects.filter(user=existing).exists()


@pytest.mark.django_db
def test_email_fallback_never_across_a_conflicting_link(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(email_fallback=True)}
    existing = get_user_model().objects.create(username="alice", email=pc_identity()["email"])
    ProviderLink.objects.create(user=existing, provider="proconnect", sub="old-subject")
    user = GouvConnectBackend().authenticate(
        None, gouvconnect_login=login_of(pc_identity()), gouvconnect_provider="proconnect"
    )
    assert user is not None and user != existing
    assert ProviderLink.objects.get(user=existing).sub == "old-subject"


@pytest.mark.django_db
def test_email_fallback_can_move_a_link_when_asked(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(email_fallback=True, email_fallback_replace_link=True)}
    existing = get_user_model().objects.create(username="alice", email=pc_identity()["email"])
    ProviderLink.objects.create(user=existing, provider="proconnect", sub="old-subject")
    user = GouvConnectBackend().authenticate(
        None, gouvconnect_login=login_of(pc_identity()), gouvconnect_provider="proconnect"
    )
    assert user == existing
    assert ProviderLink.objects.get(user=existing).sub == pc_identity()["sub"]


@pytest.mark.django_db
def test_email_fallback_skips_ambiguous_emails(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(email_fallback=True)}
    for name in ("a", "b"):
        get_user_model().objects.create(username=name, email=pc_identity()["email"])
    user = GouvConnectBackend().authenticate(
        None, gouvconnect_login=login_of(pc_identity()), gouvconnect_provider="proconnect"
    )
    assert user is not None and user.username.startswith("proconnect:")


@pytest.mark.django_db
def test_sync_groups_removes_stale_fixed_groups(settings: Any) -> None:
    settings.GOUVCONNECT = {
        "proconnect": entry(
            sync_groups=True,
            mapping={"groups": [{"group": "agents", "field": "proconnect.siret", "equals": "0"}]},
        )
    }
    user = GouvConnectBackend().authenticate(
        None, gouvconnect_login=login_of(pc_identity()), gouvconnect_provider="proconnect"
    )
    assert user is not None
    user.groups.add(Group.objects.create(name="agents"), Group.objects.create(name="other"))
    GouvConnectBackend().authenticate(
        None, gouvconnect_login=login_of(pc_identity()), gouvconnect_provider="proconnect"
    )
    assert list(user.groups.values_list("name", flat=True)) == ["other"]


# -- views -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_redirects_to_the_provider(client: DjangoClient) -> None:
    response = client.get("/auth/login?next=/dossiers")
    assert response.status_code == 302
    assert response["Location"].startswith("https://fca.integ01.dev-agentconnect.fr/api/v2/authorize?")
    pending = client.session[conf.SESSION_PENDING]
    assert pending["provider"] == "proconnect"


@pytest.mark.django_db
def test_callback_without_session_is_session_lost(
    client: DjangoClient, caplog: pytest.LogCaptureFixture
) -> None:
    """No session cookie came back (the login started on another host name, cookies blocked):
    ``session_lost``, not an expired login."""
    caplog.set_level("DEBUG", logger="gouvconnect")
    response = client.get("/auth/callback?code=secret-code-value&state=secret-state-value")
    assert response.status_code == 400
    assert b'id="gouvconnect-error-code">session_lost<' in response.content
    assert "navigateur n'a pas renvoyé la session" in response.content.decode().replace("&#39;", "'")
    assert "code=session_lost" in caplog.text and "without a session cookie" in caplog.text
    assert "secret-code-value" not in caplog.text and "secret-state-value" not in caplog.text


@pytest.mark.django_db
def test_callback_with_a_session_but_no_pending_login(
    client: DjangoClient, caplog: pytest.LogCaptureFixture
) -> None:
    session = client.session
    session["something"] = "else"
    session.save()
    caplog.set_level("DEBUG", logger="gouvconnect")
    response = client.get("/auth/callback?code=secret-code-value&state=secret-state-value")
    assert response.status_code == 400
    assert b'id="gouvconnect-error-code">no_pending_login<' in response.content
    assert "code=no_pending_login" in caplog.text
    assert "secret-code-value" not in caplog.text and "secret-state-value" not in caplog.text


@pytest.mark.django_db
def test_callback_with_a_cookie_of_a_vanished_session_is_no_pending_login(client: DjangoClient) -> None:
    """The browser did bring its cookie back: the login expired or was used (a replay of the
    pre-login cookie after the session key changed), not a lost cookie."""
    client.cookies["sessionid"] = "x" * 32  # no such session stored
    response = client.get("/auth/callback?code=a&state=b")
    assert b'id="gouvconnect-error-code">no_pending_login<' in response.content


@pytest.mark.django_db
def test_login_on_another_origin_goes_to_the_redirect_uri_origin_first(client: DjangoClient) -> None:
    """The redirect URI is on https://app.example: a login asked on https://testserver is sent
    there (same path and query) before any provider, so its session cookie is set on the host the
    provider comes back to; once moved, it starts."""
    response = client.get("/auth/login?next=/dossiers", secure=True)
    assert response.status_code == 302
    assert response["Location"] == "https://app.example/auth/login?next=/dossiers&gouvconnect_origin=1"
    assert conf.SESSION_PENDING not in client.session
    moved = client.get("/auth/login?next=/dossiers&gouvconnect_origin=1", secure=True)
    assert moved.status_code == 302
    assert moved["Location"].startswith("https://fca.integ01.dev-agentconnect.fr/api/v2/authorize?")
    assert client.session[conf.SESSION_PENDING]["provider"] == "proconnect"


@pytest.mark.django_db
def test_login_on_the_redirect_uri_origin_is_not_moved(client: DjangoClient, settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry()}  # redirect URI derived from the request
    response = client.get("/auth/login", secure=True)
    assert response["Location"].startswith("https://fca.integ01.dev-agentconnect.fr/")


@pytest.mark.django_db
def test_logout_callback_without_logout(client: DjangoClient) -> None:
    response = client.get("/auth/logout/callback?state=x")
    assert response.status_code == 400
    assert b"logout_state_mismatch" in response.content


def test_logout_get_answers_a_page_not_a_blank_405(client: DjangoClient) -> None:
    response = client.get("/auth/logout")
    assert response.status_code == 200
    assert b"<h1>Se d\xc3\xa9connecter</h1>" in response.content
    assert "n’êtes pas connecté" in response.content.decode()


@pytest.mark.django_db
def test_logout_get_shows_the_logout_form_to_a_signed_in_user(client: DjangoClient) -> None:
    user = get_user_model().objects.create(username="alice")
    client.force_login(user, backend="gouvconnect.django.backends.GouvConnectBackend")
    response = client.get("/auth/logout")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post" action="/auth/logout">' in page
    assert 'name="csrfmiddlewaretoken"' in page
    # A GET logs nobody out.
    assert client.get("/auth/logout").wsgi_request.user.is_authenticated


def test_logout_with_another_method_is_a_405_page_naming_it(client: DjangoClient) -> None:
    response = client.put("/auth/logout")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert "La méthode HTTP PUT n’est pas acceptée" in response.content.decode()


def test_logout_page_without_template_loaders(client: DjangoClient, settings: Any) -> None:
    """A project without APP_DIRS still gets the page (rendered from the app's own file)."""
    settings.TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": False}]
    response = client.get("/auth/logout")
    assert response.status_code == 200 and "<h1>Se déconnecter</h1>" in response.content.decode()


def test_two_providers_without_default_show_a_chooser(client: DjangoClient, settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(), "prosanteconnect": entry(environment="sandbox")}
    response = client.get("/auth/login?next=/dossiers")
    assert response.status_code == 200
    page = response.content.decode()
    assert "gouvconnect-error-code" not in page
    assert 'action="/auth/login/proconnect"' in page and 'action="/auth/login/prosanteconnect"' in page
    assert "gouvconnect-button--proconnect" in page and "gouvconnect-button--prosanteconnect" in page
    assert page.count('name="next" value="/dossiers"') == 2
    assert ".gouvconnect-button{" in page  # the official CSS


@pytest.mark.django_db
def test_two_providers_with_a_default_go_to_it(client: DjangoClient, settings: Any) -> None:
    settings.GOUVCONNECT = {
        "proconnect": entry(),
        "prosanteconnect": entry(environment="sandbox"),
        "DEFAULT_PROVIDER": "prosanteconnect",
    }
    response = client.get("/auth/login", secure=True)
    assert response.status_code == 302
    assert client.session[conf.SESSION_PENDING]["provider"] == "prosanteconnect"


def test_unknown_provider_shows_the_chooser_with_the_code(client: DjangoClient) -> None:
    response = client.get("/auth/login/franceconnect")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="gouvconnect-error-code">invalid_request<' in page
    assert "« franceconnect » n’est pas un fournisseur" in page
    assert 'action="/auth/login/proconnect"' in page


def psc_entry(emulator_base: str, **extra: Any) -> dict[str, Any]:
    """The Pro Santé Connect entry of ``GOUVCONNECT`` pointing at the emulator."""
    client_id, secret, path = CLIENTS["prosanteconnect"]
    return {
        "issuer": emulator_base + path,
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uri": "http://127.0.0.1/auth/callback",
        "post_logout_redirect_uri": "http://127.0.0.1/auth/logout/callback",
        **extra,
    }


@pytest.mark.django_db
def test_full_login_and_logout_with_the_emulator(
    client: DjangoClient, settings: Any, emulator_base: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings.GOUVCONNECT = {
        "prosanteconnect": psc_entry(
            emulator_base,
            mapping={
                "groups": [
                    {
                        "group": "medecins",
                        "field": "prosanteconnect.exercices[].profession_code",
                        "equals": "10",
                    }
                ]
            },
        )
    }
    caplog.set_level("DEBUG")
    # On the redirect URI's host (another one would first be sent there).
    start = client.get("/auth/login?next=/after", HTTP_HOST="127.0.0.1")
    assert start.status_code == 302
    callback = login_on_emulator(requests.Session(), start["Location"], "doctor")
    parts = urlsplit(callback)
    done = client.get(f"{parts.path}?{parts.query}")
    # Several practices: the picker first, then /after (gouvconnect/django/practice.py).
    assert done.status_code == 302 and done["Location"] == "/auth/practice?next=%2Fafter"
    identity = client.session[conf.SESSION_IDENTITY]
    assert identity["prosanteconnect"]["rpps"] == "99700218896"
    id_token = client.session[conf.SESSION_ID_TOKEN]
    assert id_token not in caplog.text and "access_token" not in client.session.keys()
    user = get_user_model().objects.get()
    assert list(user.groups.values_list("name", flat=True)) == ["medecins"]

    out = client.post("/auth/logout")
    assert out.status_code == 302
    back = requests.get(out["Location"], allow_redirects=False, timeout=10)
    parts = urlsplit(back.headers["Location"])
    final = client.get(f"{parts.path}?{parts.query}")
    assert final.status_code == 302
    assert conf.SESSION_IDENTITY not in client.session


@pytest.mark.django_db
def test_a_failing_user_store_renders_the_error_page(
    client: DjangoClient, settings: Any, emulator_base: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locked or unreachable database during the callback: the internal_error page, not a bare 500."""
    from django.db import OperationalError

    settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base)}

    def locked(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(GouvConnectBackend, "authenticate", locked)
    start = client.get("/auth/login", HTTP_HOST="127.0.0.1")
    assert start.status_code == 302, start.content[:300]
    callback = login_on_emulator(requests.Session(), start["Location"], "doctor")
    parts = urlsplit(callback)
    done = client.get(f"{parts.path}?{parts.query}")
    assert done.status_code == 500
    assert b'id="gouvconnect-error-code">internal_error<' in done.content


# -- template tag and command ----------------------------------------------------------


def test_button_tag() -> None:
    html = Template(
        '{% load gouvconnect %}{% gouvconnect_button_css %}{% gouvconnect_button "proconnect" next="/a" %}'
    ).render(Context())
    assert "<style>" in html
    assert 'action="/auth/login/proconnect"' in html
    assert 'name="next" value="/a"' in html


def test_gouvconnect_check_against_the_emulator(settings: Any, emulator_base: str) -> None:
    client_id, secret, path = CLIENTS["proconnect"]
    settings.GOUVCONNECT = {
        "proconnect": {"issuer": emulator_base + path, "client_id": client_id, "client_secret": secret}
    }
    out = StringIO()
    call_command("gouvconnect_check", stdout=out)
    text = out.getvalue()
    assert re.search(r"gouvconnect doctor: ProConnect at http://127\.0\.0\.1:\d+/api/v2", text), text
    assert "verdict: ready" in text
    # Not configured: derived as the views derive them, from runserver's address by default.
    assert "`http://localhost:8000/auth/callback` — register exactly this value" in text
    assert "redirect_uri and post_logout_redirect_uri not set: derived from http://localhost:8000" in text


def test_gouvconnect_check_shows_a_redirect_host_outside_allowed_hosts(
    settings: Any, emulator_base: str
) -> None:
    client_id, secret, path = CLIENTS["proconnect"]
    redirect_uri = "http://localhost:8000/auth/callback"
    settings.GOUVCONNECT = {
        "proconnect": {
            "issuer": emulator_base + path,
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uri": redirect_uri,
        }
    }
    out, err = StringIO(), StringIO()
    call_command("gouvconnect_check", stdout=out, stderr=err, skip_checks=False)
    assert "gouvconnect.W002" in err.getvalue() and "ALLOWED_HOSTS" in err.getvalue()
    assert f"`{redirect_uri}` — register exactly this value" in out.getvalue()


def test_gouvconnect_check_reports_failures(settings: Any) -> None:
    settings.GOUVCONNECT = {
        "proconnect": {
            "issuer": "http://127.0.0.1:9/api/v2",
            "client_id": "a",
            "client_secret": "b",
            "timeout_secs": 2,
        }
    }
    out = StringIO()
    with pytest.raises(CommandError, match="1 provider"):
        call_command("gouvconnect_check", stdout=out)
    assert re.search(r"FAIL +discovery", out.getvalue()), out.getvalue()
    assert "verdict: NOT READY" in out.getvalue()


def test_missing_settings_render_the_invalid_config_page(client: DjangoClient, settings: Any) -> None:
    del settings.GOUVCONNECT
    response = client.get("/auth/login")
    assert response.status_code == 500
    assert b'id="gouvconnect-error-code">invalid_config<' in response.content


def test_provider_links_are_in_the_admin() -> None:
    from django.contrib import admin

    assert ProviderLink in admin.site._registry
