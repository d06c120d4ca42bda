"""FranceConnect and FranceConnect+ in gouvconnect.django: the decryption keys' settings, the
system check without keys, the public-keys route, the buttons, the identité pivot's user; then
end to end over real HTTP, the example (examples/django) against the emulator: a citizen logs in
and out with FranceConnect and FranceConnect+ (both encryption algorithms), the emulator fetches
the example's public keys itself (``jwks_uri``), and headless Chromium clicks the buttons."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gouvconnect
import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.template import Context, Template
from django.test import Client as DjangoClient
from gouvconnect.django import checks, conf
from gouvconnect.django.clients import clear_cache
from gouvconnect.django.models import ProviderLink
from harness import (
    DEMO_FCP_KEYS,
    EMULATOR_BIN,
    USERS,
    client,
    emulator,
    example,
    free_port,
    full_login,
    login_on_emulator,
)

#: Members of a private JWK (RFC 7518 §6.2.2, §6.3.2): never in the published document.
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}
#: The emulator's FranceConnect citizen (tests/fixture.json).
CITIZEN = USERS["franceconnect"]["citizen"]
CITIZEN_SUB = CITIZEN["sub"]
CITIZEN_EMAIL = CITIZEN["email"]


def fc_entry(provider: str, emulator_base: str = "http://127.0.0.1:9", **extra: Any) -> dict[str, Any]:
    """A ``GOUVCONNECT`` entry of the emulator's ``provider`` client (``franceconnect``,
    ``franceconnect_plus``, ``franceconnect_plus_ecdh``)."""
    client_id, secret, path = client(provider)
    return {
        "provider": "franceconnect" if provider == "franceconnect" else "franceconnect_plus",
        "issuer": emulator_base + path,
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uri": "http://127.0.0.1/auth/callback",
        "post_logout_redirect_uri": "http://127.0.0.1/auth/logout/callback",
        **extra,
    }


@pytest.fixture(autouse=True)
def _fresh_clients() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


# -- settings: the decryption keys --------------------------------------------------------


def test_decryption_keys_file_becomes_the_core_keys_text() -> None:
    parsed = conf.parse_provider(
        "franceconnect_plus", fc_entry("franceconnect_plus", decryption_keys_file=str(DEMO_FCP_KEYS))
    )
    assert parsed.client_config["decryption_keys"] == DEMO_FCP_KEYS.read_text()
    assert "decryption_keys_file" not in parsed.client_config
    # A pathlib.Path in `decryption_keys` is a file too; a JWKS dict is serialised.
    as_path = conf.parse_provider("x", fc_entry("franceconnect_plus", decryption_keys=DEMO_FCP_KEYS))
    assert as_path.client_config["decryption_keys"] == DEMO_FCP_KEYS.read_text()
    jwks = json.loads(DEMO_FCP_KEYS.read_text())
    as_dict = conf.parse_provider("x", fc_entry("franceconnect_plus", DECRYPTION_KEYS=jwks))
    assert json.loads(as_dict.client_config["decryption_keys"]) == jwks


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"decryption_keys_file": "/nonexistent/keys.json"},
            "cannot read the decryption keys file '/nonexistent/keys.json'",
        ),
        ({"decryption_keys": "keys/private.jwks.json"}, "use `decryption_keys_file`"),
        ({"decryption_keys": "{}", "decryption_keys_file": "k.json"}, "not both"),
        ({"decryption_keys": 42}, "must be the keys' text"),
    ],
)
def test_decryption_keys_mistakes_are_named(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(conf.ConfigurationError, match=re.escape(message)):
        conf.parse_provider("franceconnect_plus", fc_entry("franceconnect_plus", **extra))


def test_franceconnect_plus_without_keys_is_a_system_check_error(settings: Any) -> None:
    settings.GOUVCONNECT = {"franceconnect_plus": fc_entry("franceconnect_plus")}
    found = checks.check_settings()
    assert [m.id for m in found] == ["gouvconnect.E008"], found
    assert "decryption_keys" in found[0].msg and "/auth/jwks/franceconnect_plus" in str(found[0].hint)
    # An alias of the provider is FranceConnect+ too.
    settings.GOUVCONNECT = {"citizens": {**fc_entry("franceconnect_plus"), "provider": "fcplus"}}
    assert [m.id for m in checks.check_settings()] == ["gouvconnect.E008"]


def test_franceconnect_settings_pass_the_checks(settings: Any) -> None:
    settings.GOUVCONNECT = {
        "franceconnect": fc_entry("franceconnect"),
        "franceconnect_plus": fc_entry("franceconnect_plus", decryption_keys_file=str(DEMO_FCP_KEYS)),
    }
    assert checks.check_settings() == []


def test_keys_for_franceconnect_or_a_wrong_key_are_core_errors(settings: Any) -> None:
    settings.GOUVCONNECT = {
        "franceconnect": fc_entry("franceconnect", decryption_keys_file=str(DEMO_FCP_KEYS))
    }
    assert [m.id for m in checks.check_settings()] == ["gouvconnect.E003"]
    public_only = json.dumps(
        {
            "keys": [
                {k: v for k, v in key.items() if k not in PRIVATE_MEMBERS}
                for key in json.loads(DEMO_FCP_KEYS.read_text())["keys"]
            ]
        }
    )
    settings.GOUVCONNECT = {"franceconnect_plus": fc_entry("franceconnect_plus", decryption_keys=public_only)}
    found = checks.check_settings()
    assert [m.id for m in found] == ["gouvconnect.E003"] and "invalid_config" in found[0].msg


def test_the_python_client_gives_the_public_jwks() -> None:
    config = {k: v for k, v in fc_entry("franceconnect_plus").items()}
    config["decryption_keys"] = DEMO_FCP_KEYS.read_text()
    document = json.loads(gouvconnect.Client(config, discover=False).public_jwks() or "null")
    assert sorted(k["kid"] for k in document["keys"]) == ["demo-fcp-enc-ec", "demo-fcp-enc-rsa"]
    assert all(k["use"] == "enc" and not PRIVATE_MEMBERS & k.keys() for k in document["keys"])
    assert gouvconnect.Client(fc_entry("franceconnect"), discover=False).public_jwks() is None
    assert gouvconnect.provider_kind("fcplus") == "franceconnect_plus"


# -- the public-keys route ------------------------------------------------------------------


def test_the_jwks_route_serves_only_public_members(client: DjangoClient, settings: Any) -> None:
    settings.GOUVCONNECT = {
        "franceconnect_plus": fc_entry("franceconnect_plus", decryption_keys_file=str(DEMO_FCP_KEYS)),
        "franceconnect": fc_entry("franceconnect"),
    }
    answer = client.get("/auth/jwks/franceconnect_plus")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer["Cache-Control"] == "public, max-age=300"
    keys = json.loads(answer.content)["keys"]
    assert {k["kid"]: k["kty"] for k in keys} == {"demo-fcp-enc-rsa": "RSA", "demo-fcp-enc-ec": "EC"}
    assert not any(PRIVATE_MEMBERS & k.keys() for k in keys), keys
    # The private exponent appears nowhere in the answer.
    private = json.loads(DEMO_FCP_KEYS.read_text())["keys"]
    assert not any(key["d"] in answer.content.decode() for key in private)

    # The only entry with keys is also at auth/jwks (the Express host's route).
    assert client.get("/auth/jwks").content == answer.content

    for path in ("/auth/jwks/franceconnect", "/auth/jwks/nowhere"):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.json()["error"] == "invalid_request"
    assert client.post("/auth/jwks/franceconnect_plus").status_code == 405


def test_auth_jwks_needs_a_single_entry_with_keys(client: DjangoClient, settings: Any) -> None:
    keyed = fc_entry("franceconnect_plus", decryption_keys_file=str(DEMO_FCP_KEYS))
    settings.GOUVCONNECT = {"fcp_a": keyed, "fcp_b": keyed}
    assert client.get("/auth/jwks").status_code == 404
    assert client.get("/auth/jwks/fcp_b").status_code == 200
    settings.GOUVCONNECT = {"franceconnect": fc_entry("franceconnect")}
    assert client.get("/auth/jwks").status_code == 404


def test_the_jwks_route_of_refused_keys_names_the_code(client: DjangoClient, settings: Any) -> None:
    settings.GOUVCONNECT = {"franceconnect_plus": fc_entry("franceconnect_plus", decryption_keys="{}")}
    answer = client.get("/auth/jwks/franceconnect_plus")
    assert answer.status_code == 500 and answer.json() == {"error": "invalid_config"}


# -- buttons --------------------------------------------------------------------------------


def test_button_tag_draws_the_franceconnect_buttons(settings: Any) -> None:
    settings.GOUVCONNECT = {
        "franceconnect": fc_entry("franceconnect"),
        "citizens_plus": {**fc_entry("franceconnect_plus", decryption_keys_file=str(DEMO_FCP_KEYS))},
    }
    html = Template(
        '{% load gouvconnect %}{% gouvconnect_button "franceconnect" next="/a" %}'
        '{% gouvconnect_button "citizens_plus" %}'
    ).render(Context())
    assert 'action="/auth/login/franceconnect"' in html and 'name="next" value="/a"' in html
    assert "Qu’est-ce que FranceConnect ?" in html and 'href="https://franceconnect.gouv.fr/"' in html
    # The entry named otherwise is drawn by its provider: FranceConnect+'s button and link.
    assert 'action="/auth/login/citizens_plus"' in html
    assert "https://franceconnect.gouv.fr/france-connect-plus" in html
    assert "Qu’est-ce que FranceConnect+ ?" in html


# -- in process, against the emulator: the user of a citizen -------------------------------


@pytest.mark.django_db
def test_a_citizen_becomes_a_user_and_is_never_linked_by_email(
    client: DjangoClient, settings: Any, emulator_base: str
) -> None:
    settings.GOUVCONNECT = {
        "franceconnect": fc_entry(
            emulator_base=emulator_base,
            provider="franceconnect",
            scopes=["openid", "identite_pivot", "email", "preferred_username"],
            email_fallback=True,
        )
    }
    # Someone registered locally with the citizen's email: FranceConnect does not vouch for
    # emails, so the login must not take over that account.
    local = get_user_model().objects.create_user("local", email=CITIZEN_EMAIL)
    start = client.get("/auth/login", HTTP_HOST="127.0.0.1")
    assert start.status_code == 302, start.content[:300]
    assert "acr_values=eidas1" in start["Location"]
    callback = login_on_emulator(requests.Session(), start["Location"], "citizen")
    parts = urlsplit(callback)
    done = client.get(f"{parts.path}?{parts.query}")
    assert done.status_code == 302, done.content[:500]
    identity = client.session[conf.SESSION_IDENTITY]
    assert identity["email_verified"] is None and not gouvconnect.email_trusted(identity)
    user = get_user_model().objects.exclude(pk=local.pk).get()
    assert user.username == f"franceconnect:{CITIZEN_SUB}"
    assert (user.first_name, user.last_name, user.email) == (
        CITIZEN["given_name"],
        CITIZEN["usual_name"],
        CITIZEN_EMAIL,
    )
    assert ProviderLink.objects.get(user=user).provider == "franceconnect"
    assert not ProviderLink.objects.filter(user=local).exists()


def test_gouvconnect_check_opens_franceconnect_plus_encryption(settings: Any, emulator_base: str) -> None:
    """The going-live command reads the keys from the settings file: the doctor's
    ``encryption`` check runs on them (the provider's algorithms against the keys' types)."""
    settings.GOUVCONNECT = {
        "franceconnect_plus": fc_entry(
            "franceconnect_plus", emulator_base, decryption_keys_file=str(DEMO_FCP_KEYS)
        )
    }
    out = StringIO()
    call_command("gouvconnect_check", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ok"] is True, report
    checks_by_id = {c["id"]: c for c in report["providers"]["franceconnect_plus"]["checks"]}
    assert checks_by_id["encryption"]["verdict"] == "pass", checks_by_id["encryption"]


# -- end to end: the example against the emulator ------------------------------------------

FC_SCOPES = "openid identite_pivot email preferred_username"


@pytest.fixture(scope="module")
def fc_app(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with example(emulator_base, "franceconnect", tmp_path_factory.mktemp("fc"), scopes=FC_SCOPES) as base:
        yield base


@pytest.fixture(scope="module")
def fcp_app(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with example(emulator_base, "franceconnect_plus", tmp_path_factory.mktemp("fcp")) as base:
        yield base


def logout_round_trip(session: requests.Session, base: str) -> None:
    """The logout button, the provider's end-session page, back to the logout callback: signed
    out (``/me`` answers 401)."""
    home = session.get(base + "/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home.text)
    assert token, "no logout form on the home page of a signed-in user"
    out = session.post(
        base + "/auth/logout",
        data={"csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": base + "/"},
        allow_redirects=False,
        timeout=10,
    )
    assert out.status_code == 302
    assert "/session/end?" in out.headers["Location"] and "id_token_hint=" in out.headers["Location"]
    back = session.get(out.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code in (302, 303), back.text[:300]
    assert back.headers["Location"].startswith(base + "/auth/logout/callback?")
    final = session.get(back.headers["Location"], allow_redirects=False, timeout=10)
    assert final.status_code == 302, final.text[:300]
    assert session.get(base + "/me", timeout=10).status_code == 401


@pytest.mark.e2e
def test_franceconnect_login_shows_the_identite_pivot_then_logout(fc_app: str) -> None:
    home = requests.get(fc_app + "/", timeout=10)
    assert "gouvconnect-button--franceconnect" in home.text and "Qu’est-ce que FranceConnect ?" in home.text
    s = requests.Session()
    done = full_login(s, fc_app, "citizen", next_path="/me")
    assert done.status_code == 302 and done.headers["Location"] == "/me", done.text[:500]
    identity = s.get(fc_app + "/me", timeout=10).json()
    assert identity["provider"] == "franceconnect" and identity["sub"] == CITIZEN_SUB
    assert identity["acr"] == "eidas1" and identity["mfa"] is False
    assert (identity["given_name"], identity["family_name"]) == (CITIZEN["given_name"], CITIZEN["usual_name"])
    assert identity["email"] == CITIZEN_EMAIL and identity["email_verified"] is None
    assert identity["franceconnect"] == {
        "given_names": CITIZEN["given_name"],
        "birth_name": CITIZEN["family_name"],
        "usual_name": CITIZEN["usual_name"],
        "birthdate": CITIZEN["birthdate"],
        "gender": "female",
        "birthplace": CITIZEN["birthplace"],
        "birthcountry": CITIZEN["birthcountry"],
        "born_in_france": True,
    }
    assert identity.get("proconnect") is None and identity.get("prosanteconnect") is None
    page = s.get(fc_app + "/", timeout=10).text
    assert 'id="identite-pivot"' in page and CITIZEN["birthdate"] in page and CITIZEN["family_name"] in page
    logout_round_trip(s, fc_app)


@pytest.mark.e2e
def test_a_citizen_born_abroad_has_no_birthplace(fc_app: str) -> None:
    s = requests.Session()
    assert full_login(s, fc_app, "citizen-abroad").status_code == 302
    pivot = s.get(fc_app + "/me", timeout=10).json()["franceconnect"]
    assert (
        pivot["birthcountry"] == "99134" and pivot["birthplace"] is None and pivot["born_in_france"] is False
    )


@pytest.mark.e2e
@pytest.mark.parametrize("user", ["citizen", "citizen-high"])
def test_franceconnect_plus_login_rsa_oaep_then_logout(fcp_app: str, user: str) -> None:
    home = requests.get(fcp_app + "/", timeout=10)
    assert "gouvconnect-button--franceconnect-plus" in home.text
    assert "Qu’est-ce que FranceConnect+ ?" in home.text
    s = requests.Session()
    done = full_login(s, fcp_app, user)
    assert done.status_code == 302, done.text[:500]
    identity = s.get(fcp_app + "/me", timeout=10).json()
    assert identity["provider"] == "franceconnect_plus"
    expected = USERS["franceconnect_plus"][user]
    assert (
        identity["sub"] == expected["sub"] and identity["acr"] == expected["acr"] and identity["mfa"] is True
    )
    pivot = identity["franceconnect"]
    assert (pivot["birthdate"], pivot["birth_name"]) == (expected["birthdate"], expected["family_name"])
    logout_round_trip(s, fcp_app)


@pytest.mark.e2e
def test_the_example_serves_its_public_keys(fcp_app: str) -> None:
    answer = requests.get(fcp_app + "/auth/jwks/franceconnect_plus", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    assert requests.get(fcp_app + "/auth/jwks", timeout=10).json() == answer.json()
    assert "max-age=" in answer.headers["Cache-Control"]
    keys = answer.json()["keys"]
    assert len(keys) == 2 and not any(PRIVATE_MEMBERS & k.keys() for k in keys)


@pytest.mark.e2e
def test_franceconnect_plus_login_ecdh_es(
    emulator_base: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    client_id, secret, _ = client("franceconnect_plus_ecdh")
    tmp = tmp_path_factory.mktemp("fcp-ecdh")
    with example(emulator_base, "franceconnect_plus", tmp, credentials=(client_id, secret)) as base:
        s = requests.Session()
        assert full_login(s, base, "citizen").status_code == 302
        identity = s.get(base + "/me", timeout=10).json()
        assert (
            identity["acr"] == "eidas2" and identity["franceconnect"]["given_names"] == CITIZEN["given_name"]
        )
        logout_round_trip(s, base)


@pytest.mark.e2e
def test_the_example_refuses_to_start_franceconnect_plus_without_keys(
    emulator_base: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("fcp-nokeys")
    with (
        pytest.raises(RuntimeError, match=r"gouvconnect\.E008"),
        example(emulator_base, "franceconnect_plus", tmp, decryption_keys_file=None),
    ):
        pass


def _jwks_uri_client(client_id: str, jwks_uri: str) -> dict[str, Any]:
    """An emulator registration of a FranceConnect+ client with ``jwks_uri`` only (no keys inline)."""
    return {
        "id": client_id,
        "secret": f"{client_id}-secret-0123456789abcdef",
        "persona": "franceconnect_plus",
        "id_token_alg": "ES256",
        "userinfo_alg": "ES256",
        "jwks_uri": jwks_uri,
        "encryption_alg": "ECDH-ES",
    }


@pytest.mark.e2e
def test_franceconnect_plus_fetches_the_keys_from_the_example(tmp_path: Path) -> None:
    """The emulator fetches the example's public-keys route at each token and userinfo answer,
    and encrypts to what it got; a client registered with a URL serving no keys cannot log in."""
    port, other_port = free_port(), free_port()
    good = _jwks_uri_client("fcp-jwks-uri", f"http://127.0.0.1:{port}/auth/jwks/franceconnect_plus")
    # The route of a provider without keys: 404.
    broken = _jwks_uri_client("fcp-jwks-uri-404", f"http://127.0.0.1:{other_port}/auth/jwks/proconnect")
    config = tmp_path / "emulator.json"
    config.write_text(json.dumps({"clients": [good, broken]}))
    assert Path(EMULATOR_BIN).exists()
    with emulator(["--config", str(config)]) as base:
        with example(
            base, "franceconnect_plus", tmp_path, credentials=(good["id"], good["secret"]), port=port
        ) as app:
            s = requests.Session()
            done = full_login(s, app, "citizen")
            assert done.status_code == 302, done.text[:500]
            assert s.get(app + "/me", timeout=10).json()["acr"] == "eidas2"
        with example(
            base,
            "franceconnect_plus",
            tmp_path,
            credentials=(broken["id"], broken["secret"]),
            port=other_port,
        ) as app:
            s = requests.Session()
            refused = full_login(s, app, "citizen")
            # The emulator's token endpoint cannot encrypt: it fails, and the host says so.
            assert refused.status_code == 503, refused.text[:300]
            assert 'id="gouvconnect-error-code">provider_unavailable<' in refused.text
            assert s.get(app + "/me", timeout=10).status_code == 401


# -- headless Chromium ----------------------------------------------------------------------


def _browser_login(app: str, tmp_path: Path, button: str, user: str) -> dict[str, Any]:
    """Clicks ``button`` on the example's home page, picks ``user`` at the emulator, checks the
    pivot on the home page, logs out with the button; returns the identity ``/me`` showed."""
    from test_browser import CHROMIUM, FLAGS

    playwright = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "run scripts/ensure-chromium.sh"
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        try:
            page = context.new_page()
            page.goto(app + "/")
            page.click(button)
            page.wait_for_url(lambda url: not url.startswith(app))
            page.click(f'button[name="user"][value="{user}"]')
            page.wait_for_url(app + "/")
            assert "Connecté" in page.inner_text("#signed-in")
            assert "Date de naissance" in page.inner_text("#identite-pivot")
            me = page.goto(app + "/me")
            assert me is not None and me.status == 200
            identity: dict[str, Any] = me.json()
            page.goto(app + "/")
            page.click("#logout")
            page.wait_for_url(app + "/")
            page.wait_for_selector(button)
            assert page.goto(app + "/me").status == 401  # type: ignore[union-attr]
        finally:
            context.close()
    return identity


@pytest.mark.e2e
@pytest.mark.browser
def test_chromium_franceconnect_button(fc_app: str, tmp_path: Path) -> None:
    identity = _browser_login(fc_app, tmp_path, "button.gouvconnect-button--franceconnect", "citizen")
    assert identity["franceconnect"]["birthplace"] == CITIZEN["birthplace"]


@pytest.mark.e2e
@pytest.mark.browser
def test_chromium_franceconnect_plus_button(fcp_app: str, tmp_path: Path) -> None:
    identity = _browser_login(
        fcp_app, tmp_path, "button.gouvconnect-button--franceconnect-plus", "citizen-high"
    )
    assert identity["acr"] == "eidas3" and identity["provider"] == "franceconnect_plus"
