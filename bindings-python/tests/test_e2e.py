"""End to end over real HTTP: the example project (docs/architecture.md §6) against the emulator."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from harness import CLIENTS, USERS, client, example, full_login, issued_secrets, login_on_emulator

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def proconnect_app(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # The provider's default scopes: they include `custom`, which carries ProConnect's
    # email_verified (the unverified-email test below depends on it).
    with example(emulator_base, "proconnect", tmp_path_factory.mktemp("pc")) as base:
        yield base


@pytest.fixture(scope="module")
def psc_app(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with example(emulator_base, "prosanteconnect", tmp_path_factory.mktemp("psc")) as base:
        yield base


def error_code(response: requests.Response) -> str | None:
    match = re.search(r'id="gouvconnect-error-code">([a-z_]+)<', response.text)
    return match.group(1) if match else None


def visible_text(response: requests.Response) -> str:
    """The page's text as the user reads it (tags dropped, entities decoded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def assert_no_secret_in(text: str, emulator_base: str) -> None:
    leaked = [value for value in issued_secrets(emulator_base) if len(value) >= 8 and value in text]
    assert not leaked, "secrets in the log"


def logout(session: requests.Session, base: str) -> requests.Response:
    home = session.get(base + "/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home.text)
    assert token, "no logout form on the home page of a signed-in user"
    return session.post(
        base + "/auth/logout",
        data={"csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": base + "/"},
        allow_redirects=False,
        timeout=10,
    )


def test_home_shows_the_official_button(proconnect_app: str) -> None:
    page = requests.get(proconnect_app + "/", timeout=10)
    assert page.status_code == 200
    assert "gouvconnect-button--proconnect" in page.text
    assert "S’identifier avec" in page.text


def test_me_requires_a_login(proconnect_app: str) -> None:
    assert requests.get(proconnect_app + "/me", timeout=10).status_code == 401


def test_proconnect_login_me_and_logout(proconnect_app: str) -> None:
    s = requests.Session()
    done = full_login(s, proconnect_app, "agent", next_path="/me")
    assert done.status_code == 302
    assert done.headers["Location"] == "/me"
    me = s.get(proconnect_app + "/me", timeout=10)
    assert me.status_code == 200
    identity = me.json()
    assert identity["provider"] == "proconnect"
    assert identity["email"] == USERS["proconnect"]["agent"]["email"]
    assert identity["family_name"]
    assert identity["proconnect"]["siret"] == "11000101300017"
    assert identity["acr"] == "eidas1"
    assert "id_token" in identity["raw"]

    out = logout(s, proconnect_app)
    assert out.status_code == 302
    end_session = out.headers["Location"]
    assert "/api/v2/session/end" in end_session
    assert "state=" in end_session and "id_token_hint=" in end_session
    back = s.get(end_session, allow_redirects=False, timeout=10)
    assert back.status_code in (302, 303)
    callback = back.headers["Location"]
    assert callback.startswith(proconnect_app + "/auth/logout/callback")
    final = s.get(callback, allow_redirects=False, timeout=10)
    assert final.status_code == 302 and final.headers["Location"] == "/"
    assert s.get(proconnect_app + "/me", timeout=10).status_code == 401


def test_psc_login_me_and_logout(psc_app: str) -> None:
    s = requests.Session()
    done = full_login(s, psc_app, "doctor")
    # Several practices: the picker comes first (test_practice.py).
    assert done.status_code == 302 and done.headers["Location"] == "/auth/practice"
    identity = s.get(psc_app + "/me", timeout=10).json()
    assert identity["provider"] == "prosanteconnect"
    psc = identity["prosanteconnect"]
    assert psc["id_kind"] == "rpps"
    assert psc["rpps"] == "99700218896"
    assert len(psc["exercices"]) == 2
    assert any(e["profession_code"] == "10" for e in psc["exercices"])

    out = logout(s, psc_app)
    assert out.status_code == 302
    back = s.get(out.headers["Location"], allow_redirects=False, timeout=10)
    final = s.get(back.headers["Location"], allow_redirects=False, timeout=10)
    assert final.status_code == 302
    assert s.get(psc_app + "/me", timeout=10).status_code == 401


def test_unverified_email_is_refused_with_its_code(proconnect_app: str) -> None:
    s = requests.Session()
    done = full_login(s, proconnect_app, "unverified")
    assert done.status_code == 403
    assert error_code(done) == "email_not_verified"
    # The Django message is shown on the next page.
    assert "n'est pas vérifiée" in s.get(proconnect_app + "/", timeout=10).text.replace("&#x27;", "'")
    assert s.get(proconnect_app + "/me", timeout=10).status_code == 401


def test_tampered_callback_state_is_refused(proconnect_app: str) -> None:
    s = requests.Session()
    start = s.get(proconnect_app + "/auth/login", allow_redirects=False, timeout=10)
    callback = login_on_emulator(s, start.headers["Location"], "agent")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "x" * 43
    forged = urlunsplit(parts._replace(query=urlencode(query)))
    answer = s.get(forged, allow_redirects=False, timeout=10)
    assert answer.status_code == 400
    assert error_code(answer) == "state_mismatch"
    assert s.get(proconnect_app + "/me", timeout=10).status_code == 401


def test_callback_without_session_names_session_lost(proconnect_app: str) -> None:
    answer = requests.get(proconnect_app + "/auth/callback?code=a&state=b", timeout=10)
    assert answer.status_code == 400
    assert error_code(answer) == "session_lost"


def test_replayed_callback_names_no_pending_login(proconnect_app: str) -> None:
    s = requests.Session()
    start = s.get(proconnect_app + "/auth/login", allow_redirects=False, timeout=10)
    callback = login_on_emulator(s, start.headers["Location"], "agent")
    assert s.get(callback, allow_redirects=False, timeout=10).status_code == 302
    replay = s.get(callback, allow_redirects=False, timeout=10)
    assert replay.status_code == 400
    assert error_code(replay) == "no_pending_login"
    assert "expiré ou a déjà été utilisée" in visible_text(replay)


def test_forged_logout_state_is_refused_and_keeps_the_session(proconnect_app: str) -> None:
    s = requests.Session()
    full_login(s, proconnect_app, "agent")
    out = logout(s, proconnect_app)
    assert out.status_code == 302
    forged = s.get(
        proconnect_app + "/auth/logout/callback?state=" + "y" * 43, allow_redirects=False, timeout=10
    )
    assert forged.status_code == 400
    assert error_code(forged) == "logout_state_mismatch"
    assert s.get(proconnect_app + "/me", timeout=10).status_code == 200


@pytest.mark.parametrize("evil", ["//evil.example", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(proconnect_app: str, evil: str) -> None:
    s = requests.Session()
    done = full_login(s, proconnect_app, "agent", next_path=requests.utils.quote(evil, safe=""))
    assert done.status_code == 302
    assert done.headers["Location"] == "/"


def test_logout_without_csrf_token_is_refused(proconnect_app: str) -> None:
    s = requests.Session()
    full_login(s, proconnect_app, "agent")
    answer = s.post(proconnect_app + "/auth/logout", allow_redirects=False, timeout=10)
    assert answer.status_code == 403
    assert s.get(proconnect_app + "/me", timeout=10).status_code == 200


def test_required_acr_eidas2(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    with example(emulator_base, "proconnect", tmp_path_factory.mktemp("acr"), acr="eidas2") as base:
        # The `mfa` user authenticates at eidas2: accepted.
        s = requests.Session()
        done = full_login(s, base, "mfa")
        assert done.status_code == 302, done.text[:300]
        assert s.get(base + "/me", timeout=10).json()["acr"] == "eidas2"
        # The `agent` user only reaches eidas1: refused, with a code.
        s = requests.Session()
        refused = full_login(s, base, "agent")
        assert refused.status_code == 403
        assert error_code(refused) == "acr_insufficient"
        assert s.get(base + "/me", timeout=10).status_code == 401


def test_proconnect_es256_client(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    credentials = client("proconnect_es256")[:2]
    with example(emulator_base, "proconnect", tmp_path_factory.mktemp("es"), credentials=credentials) as base:
        s = requests.Session()
        assert full_login(s, base, "employee").status_code == 302
        identity = s.get(base + "/me", timeout=10).json()
        assert identity["provider"] == "proconnect" and identity["proconnect"]["siret"]


# -- what the user sees when the first login goes wrong (issue: first hour of a new user) ---


def example_log(tmp: Path) -> str:
    return "".join(p.read_text() for p in tmp.glob("example-*.log"))


def test_wrong_client_secret_names_invalid_client(
    emulator_base: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The token endpoint answers `invalid_client`: the page says the service could not identify
    itself (502, the service's fault), the log carries the provider's own words — and no secret."""
    client_id, _, _ = CLIENTS["proconnect"]
    tmp = tmp_path_factory.mktemp("secret")
    wrong = (client_id, "not-the-registered-secret")
    with example(emulator_base, "proconnect", tmp, credentials=wrong) as base:
        s = requests.Session()
        done = full_login(s, base, "agent")
        assert done.status_code == 502
        assert error_code(done) == "invalid_client"
        assert "Le service n'a pas pu s'identifier auprès du fournisseur d'identité" in visible_text(done)
        assert s.get(base + "/me", timeout=10).status_code == 401
    log = example_log(tmp)
    assert "code=invalid_client" in log
    assert "provider returned error `invalid_client`" in log  # the provider's answer, not a generic one
    assert "check the client id and secret" in log
    assert "not-the-registered-secret" not in log
    assert_no_secret_in(log, emulator_base)


def test_cancel_at_the_provider_names_provider_access_denied(
    emulator_base: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The provider redirects back with `error=access_denied` (the user cancelled): its own
    message, 403, not `provider_error`."""
    credentials = client("proconnect_es256")[:2]
    tmp = tmp_path_factory.mktemp("cancel")
    with example(emulator_base, "proconnect", tmp, credentials=credentials) as base:
        fault = {"fault": "access_denied", "client_id": credentials[0]}
        assert requests.post(emulator_base + "/_emulator/faults", json=fault, timeout=10).status_code == 204
        try:
            s = requests.Session()
            start = s.get(base + "/auth/login", allow_redirects=False, timeout=10)
            back = s.get(start.headers["Location"], allow_redirects=False, timeout=10)
            assert back.status_code in (302, 303)
            assert "error=access_denied" in back.headers["Location"]
            done = s.get(back.headers["Location"], allow_redirects=False, timeout=10)
        finally:
            requests.delete(emulator_base + "/_emulator/faults", timeout=10)
        assert done.status_code == 403
        assert error_code(done) == "provider_access_denied"
        assert "La connexion a été annulée ou refusée auprès du fournisseur d'identité" in visible_text(done)
    log = example_log(tmp)
    assert "code=provider_access_denied" in log and "provider returned error `access_denied`" in log
    assert_no_secret_in(log, emulator_base)


@pytest.fixture(scope="module")
def localhost_app(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example whose base URL (so redirect URI) is on `localhost`."""
    with example(emulator_base, "proconnect", tmp_path_factory.mktemp("lh"), public_host="localhost") as base:
        yield base


def test_login_started_on_another_host_is_moved_to_the_redirect_host(localhost_app: str) -> None:
    """Login asked on 127.0.0.1, redirect URI on localhost: first sent to localhost (where the
    session cookie will be set and come back), then the login succeeds."""
    on_ip = localhost_app.replace("localhost", "127.0.0.1")
    s = requests.Session()
    first = s.get(on_ip + "/auth/login?next=/me", allow_redirects=False, timeout=10)
    assert first.status_code == 302
    assert first.headers["Location"] == localhost_app + "/auth/login?next=/me&gouvconnect_origin=1"
    start = s.get(first.headers["Location"], allow_redirects=False, timeout=10)
    assert start.status_code == 302 and "/api/v2/authorize?" in start.headers["Location"]
    callback = login_on_emulator(s, start.headers["Location"], "agent")
    assert callback.startswith(localhost_app + "/auth/callback")
    done = s.get(callback, allow_redirects=False, timeout=10)
    assert done.status_code == 302 and done.headers["Location"] == "/me", done.text[:300]
    assert s.get(localhost_app + "/me", timeout=10).json()["email"] == USERS["proconnect"]["agent"]["email"]


def test_callback_on_another_host_than_the_login_names_session_lost(localhost_app: str) -> None:
    """A login that did start on 127.0.0.1 (the move declined: already moved once) comes back to
    localhost without its cookie: `session_lost` and its message, not an expired login."""
    on_ip = localhost_app.replace("localhost", "127.0.0.1")
    s = requests.Session()
    start = s.get(on_ip + "/auth/login?gouvconnect_origin=1", allow_redirects=False, timeout=10)
    assert start.status_code == 302 and "/api/v2/authorize?" in start.headers["Location"]
    callback = login_on_emulator(s, start.headers["Location"], "agent")
    assert callback.startswith(localhost_app + "/auth/callback")
    done = s.get(callback, allow_redirects=False, timeout=10)
    assert done.status_code == 400
    assert error_code(done) == "session_lost"
    assert "Votre navigateur n'a pas renvoyé la session de connexion" in visible_text(done)
