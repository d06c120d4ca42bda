"""The login lifecycle in Django, against the emulator over real HTTP: MFA prefer/require,
step-up (@requires_acr, RequiresAcrMixin, the same person required), Pro Santé Connect's card
level, silent login (once per browser session, never an error page for "not signed in") and
the session's maximum age and its renewal with the refresh token (GouvConnectMiddleware)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from conftest import Event
from django.test import Client as DjangoClient
from gouvconnect.django import conf, views
from gouvconnect.django.clients import clear_cache
from gouvconnect.django.middleware import GouvConnectMiddleware
from harness import CLIENTS, USERS, emulator
from test_django_app import psc_entry
from test_login_events import assert_clean, pc_entry

pytestmark = pytest.mark.e2e

APP = "http://127.0.0.1"
MIDDLEWARE = "gouvconnect.django.middleware.GouvConnectMiddleware"
#: The emulator's `mfa` user (Mathilde Fontaine, eidas2) and `agent` (Alice Martin, eidas1).
MATHILDE = USERS["proconnect"]["mfa"]
ALICE = USERS["proconnect"]["agent"]


@pytest.fixture(autouse=True)
def _lifecycle_settings(settings: Any) -> None:
    clear_cache()
    settings.ROOT_URLCONF = "lifecycle_urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


@pytest.fixture(scope="module")
def password_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An emulator that also knows Mathilde signing in with her password only (eidas1): the
    same ProConnect account (same sub) as the `mfa` user, who signs in with a second factor."""
    config = tmp_path_factory.mktemp("emulator") / "users.json"
    claims = {
        "given_name": MATHILDE["given_name"],
        "usual_name": MATHILDE["family_name"],
        "email": MATHILDE["email"],
        "uid": "mfontaine",
        "siret": MATHILDE["siret"],
        "idp_id": "71144ab3-ee1a-4401-b7b3-79b44f7daeeb",
        "idp_acr": "eidas1",
        "custom": {},
    }
    user = {"id": "mathilde-password", "persona": "proconnect", "label": "Mathilde (mot de passe)"}
    user |= {"sub": MATHILDE["sub"], "acr": "eidas1", "amr": ["pwd"], "claims": claims}
    config.write_text(json.dumps({"users": [user]}))
    with emulator(["--config", str(config)]) as base:
        yield base


def leaves_app(client: DjangoClient, path: str, **headers: Any) -> str:
    """GETs ``path`` and follows the app's own redirects; returns the first URL outside it."""
    url = path
    for _ in range(5):
        response = client.get(url, HTTP_HOST="127.0.0.1", **headers)
        assert response.status_code == 302, (url, response.status_code, response.content[:300])
        url = response["Location"]
        if url.startswith(("http://", "https://")) and not url.startswith(APP + "/"):
            return url
        url = url.removeprefix(APP)
    raise AssertionError("no redirect to the provider")


def on_emulator(emu: requests.Session, authorize_url: str, user: str | None, **form: str) -> str:
    """The emulator's answer to ``authorize_url``: its login page submitted as ``user`` (with
    ``form``, e.g. ``means="card"``), or its direct redirect when it answers without a page
    (``user`` None: prompt=none, or a session that already meets the level)."""
    page = emu.get(authorize_url, allow_redirects=False, timeout=10)
    if user is None:
        assert page.status_code in (302, 303), page.text[:300]
        return page.headers["Location"]
    assert page.status_code == 200, page.text[:300]
    action = re.search(r'action="([^"]+)"', page.text)
    assert action
    form_url = requests.compat.urljoin(authorize_url, action.group(1).replace("&amp;", "&"))
    answer = emu.post(form_url, data={"user": user, **form}, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text[:300]
    return answer.headers["Location"]


def back_to_app(client: DjangoClient, callback_url: str) -> Any:
    assert callback_url.startswith(APP + "/auth/callback"), callback_url
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}", HTTP_HOST="127.0.0.1")


def sign_in(client: DjangoClient, emu: requests.Session, user: str, **form: str) -> Any:
    url = leaves_app(client, "/auth/login")
    return back_to_app(client, on_emulator(emu, url, user, **form))


def session_identity(client: DjangoClient) -> dict[str, Any]:
    return client.session[conf.SESSION_IDENTITY]


def error_code(response: Any) -> str | None:
    match = re.search(r'id="gouvconnect-error-code">([a-z_]+)<', response.content.decode())
    return match.group(1) if match else None


# -- MFA ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mfa_prefer_asks_voluntarily_and_tells_whether_it_happened(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base, mfa="prefer")}
    agent = DjangoClient()
    url = leaves_app(agent, "/auth/login")
    claims = json.loads(parse_qs(urlsplit(url).query)["claims"][0])
    assert claims["id_token"]["acr"]["essential"] is False
    assert "eidas1-mfa" in claims["id_token"]["acr"]["values"]
    assert back_to_app(agent, on_emulator(requests.Session(), url, "agent")).status_code == 302
    assert (session_identity(agent)["mfa"], session_identity(agent)["acr"]) == (False, "eidas1")

    mfa = DjangoClient()
    assert sign_in(mfa, requests.Session(), "mfa").status_code == 302
    assert (session_identity(mfa)["mfa"], session_identity(mfa)["acr"]) == (True, "eidas2")


@pytest.mark.django_db
def test_mfa_require_refuses_a_login_without_mfa(
    settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base, mfa="require")}
    assert sign_in(DjangoClient(), requests.Session(), "mfa").status_code == 302
    # The emulator refuses the essential MFA levels for `agent` itself (the core names the
    # refusal of a required MFA `mfa_required`)...
    refused = sign_in(DjangoClient(), requests.Session(), "agent")
    assert (refused.status_code, error_code(refused)) == (403, "mfa_required")
    # ...and when a provider lets the login through anyway, the core refuses it too.
    faults = emulator_base + "/_emulator/faults"
    requests.post(faults, json={"fault": "acr_lower", "client_id": CLIENTS["proconnect"][0]}, timeout=10)
    try:
        refused = sign_in(DjangoClient(), requests.Session(), "agent")
    finally:
        requests.delete(faults, timeout=10)
    assert (refused.status_code, error_code(refused)) == (403, "mfa_required")
    codes = [e.get("code") for _, e, _ in events if e["event"] == "login_refused"]
    assert codes == ["mfa_required", "mfa_required"]


# -- step-up -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sensitive", "/sign"])
def test_step_up_to_eidas2_keeps_the_destination(
    settings: Any, password_emulator: str, events: list[Event], path: str
) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(password_emulator)}
    client, emu = DjangoClient(), requests.Session()
    assert sign_in(client, emu, "mathilde-password").status_code == 302
    assert session_identity(client)["acr"] == "eidas1"

    url = leaves_app(client, path, HTTP_REFERER=APP + "/page")
    query = parse_qs(urlsplit(url).query)
    assert query["login_hint"] == [MATHILDE["email"]]
    acr = json.loads(query["claims"][0])["id_token"]["acr"]
    assert acr["essential"] is True and set(acr["values"]) == {"eidas2", "eidas3"}
    # eidas2 forces a fresh login at the emulator even with its session: the second factor.
    done = back_to_app(client, on_emulator(emu, url, "mfa"))
    assert (done.status_code, done["Location"]) == (302, path)
    identity = session_identity(client)
    assert (identity["sub"], identity["acr"], identity["mfa"]) == (MATHILDE["sub"], MATHILDE["acr"], True)
    assert client.get(path, HTTP_HOST="127.0.0.1").status_code == 200
    assert [e["event"] for _, e, _ in events] == ["login_succeeded", "step_up"]
    assert events[1][1]["acr"] == "eidas2" and events[1][0] is views.callback
    assert_clean(events, password_emulator)


@pytest.mark.django_db
def test_step_up_by_another_person_leaves_the_session_as_it_was(
    settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {
        "proconnect": pc_entry(emulator_base),
        "SUPPORT_URL": "mailto:support@example.gouv.fr",
    }
    client = DjangoClient()
    assert sign_in(client, requests.Session(), "agent").status_code == 302
    before = session_identity(client)
    # A sensitive action asks the agent to sign in again (eidas1); someone else does, on
    # another emulator session (another browser of the same computer).
    url = leaves_app(client, "/auth/step-up?acr=eidas1&next=/sensitive&back=/page")
    assert parse_qs(urlsplit(url).query)["login_hint"] == [ALICE["email"]]
    refused = back_to_app(client, on_emulator(requests.Session(), url, "employee"))
    assert (refused.status_code, error_code(refused)) == (403, "step_up_user_mismatch")
    page = refused.content.decode()
    assert 'id="gouvconnect-back" href="/page"' in page
    assert 'href="mailto:support@example.gouv.fr"' in page
    assert "/auth/step-up?acr=eidas1" in page  # try again
    # The session is still the agent's, at the level it had.
    assert session_identity(client) == before
    me = client.get("/me", HTTP_HOST="127.0.0.1").json()
    assert (me["email"], me["acr"]) == (ALICE["email"], ALICE["acr"])
    refusal = events[-1][1]
    assert (refusal["event"], refusal["code"]) == ("login_refused", "step_up_user_mismatch")
    assert_clean(events, emulator_base)


@pytest.mark.django_db
def test_an_anonymous_visitor_logs_in_at_the_level(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base)}
    client = DjangoClient()
    url = leaves_app(client, "/sensitive")
    assert "login_hint" not in parse_qs(urlsplit(url).query)
    done = back_to_app(client, on_emulator(requests.Session(), url, "mfa"))
    assert (done.status_code, done["Location"]) == (302, "/sensitive")
    assert client.get("/sensitive", HTTP_HOST="127.0.0.1").content == b"sensitive at eidas2"


# -- Pro Santé Connect: the card -----------------------------------------------------------------


@pytest.mark.django_db
def test_psc_card_required_as_a_step_up(settings: Any, emulator_base: str, events: list[Event]) -> None:
    settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base)}
    client, emu = DjangoClient(), requests.Session()
    assert sign_in(client, emu, "doctor").status_code == 302  # e-CPS
    assert (session_identity(client)["acr"], session_identity(client)["mfa"]) == ("eidas1", False)

    # e-CPS again: refused, the session unchanged.
    url = leaves_app(client, "/sensitive")
    query = parse_qs(urlsplit(url).query)
    assert query["prompt"] == ["login"] and query["acr_values"] == ["eidas1"]
    refused = back_to_app(client, on_emulator(emu, url, "doctor"))
    assert (refused.status_code, error_code(refused)) == (403, "acr_insufficient")
    assert session_identity(client)["acr"] == "eidas1"

    # The card: eidas2, authMode CARD, and back to the page.
    url = leaves_app(client, "/sensitive")
    done = back_to_app(client, on_emulator(emu, url, "doctor", means="card"))
    assert (done.status_code, done["Location"]) == (302, "/sensitive")
    identity = session_identity(client)
    assert (identity["acr"], identity["mfa"]) == ("eidas2", True)
    assert identity["prosanteconnect"]["auth_mode"] == "CARD"
    assert client.get("/sensitive", HTTP_HOST="127.0.0.1").content == b"sensitive at eidas2"
    assert [e["event"] for _, e, _ in events] == ["login_succeeded", "login_refused", "step_up"]


@pytest.mark.django_db
def test_psc_card_required_by_the_policy(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base, acr="eidas2")}
    card = sign_in(DjangoClient(), requests.Session(), "doctor", means="card")
    assert card.status_code == 302
    ecps = sign_in(DjangoClient(), requests.Session(), "doctor")
    assert (ecps.status_code, error_code(ecps)) == (403, "acr_insufficient")


# -- silent login --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_silent_login_without_a_provider_session_stays_anonymous_and_never_loops(
    settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base), "SILENT_LOGIN": True}
    client = DjangoClient()
    url = leaves_app(client, "/page?x=1")
    assert parse_qs(urlsplit(url).query)["prompt"] == ["none"]
    back = back_to_app(client, on_emulator(requests.Session(), url, None))
    assert (back.status_code, back["Location"]) == (302, "/page?x=1")  # no error page
    for _ in range(2):  # tried once per browser session
        page = client.get("/page?x=1", HTTP_HOST="127.0.0.1")
        assert (page.status_code, page.content) == (200, b"anonymous")
    assert events == []  # "not signed in" is no refusal
    # Neither fetch/XHR requests nor exempt views are redirected.
    fresh = DjangoClient()
    assert fresh.get("/page", HTTP_HOST="127.0.0.1", HTTP_SEC_FETCH_MODE="cors").status_code == 200
    assert fresh.get("/public", HTTP_HOST="127.0.0.1").status_code == 200
    assert fresh.get("/page", HTTP_HOST="127.0.0.1").status_code == 302


@pytest.mark.django_db
def test_silent_login_with_a_provider_session_signs_in(
    settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base, silent_login=True)}
    emu = requests.Session()  # one browser: the emulator's session cookie is kept
    first = DjangoClient()
    assert sign_in(first, emu, "agent").status_code == 302
    # Another service, or the same after its session was lost: a silent login signs in.
    second = DjangoClient()
    url = leaves_app(second, "/page")
    back = back_to_app(second, on_emulator(emu, url, None))
    assert (back.status_code, back["Location"]) == (302, "/page")
    assert second.get("/page", HTTP_HOST="127.0.0.1").content == b"signed in"
    assert session_identity(second)["email"] == ALICE["email"]
    assert [e["event"] for _, e, _ in events] == ["login_succeeded", "login_succeeded"]


def test_silent_login_without_the_middleware_is_reported(settings: Any) -> None:
    from gouvconnect.django.checks import check_settings

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    settings.GOUVCONNECT = {"proconnect": pc_entry("http://127.0.0.1:9/api/v2"), "SILENT_LOGIN": True}
    assert "gouvconnect.W003" in [m.id for m in check_settings()]


# -- session length -------------------------------------------------------------------------------


def expire(client: DjangoClient) -> None:
    """Moves the stored end of the login into the past (instead of waiting for it)."""
    session = client.session
    session[conf.SESSION_EXPIRES_AT] = int(time.time()) - 1
    session.save()


@pytest.mark.django_db
def test_the_login_ends_at_its_maximum_age(settings: Any, emulator_base: str, events: list[Event]) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base, session_max_age_secs=600)}
    client = DjangoClient()
    before = int(time.time())
    assert sign_in(client, requests.Session(), "agent").status_code == 302
    expires_at = client.session[conf.SESSION_EXPIRES_AT]
    assert before + 600 <= expires_at <= int(time.time()) + 600
    assert 590 <= client.session.get_expiry_age() <= 600  # Django's session ends then too
    assert client.get("/page", HTTP_HOST="127.0.0.1").content == b"signed in"

    expire(client)
    page = client.get("/page", HTTP_HOST="127.0.0.1")
    assert (page.status_code, page.content) == (200, b"anonymous")
    assert client.get("/me", HTTP_HOST="127.0.0.1").status_code == 401
    sender, event, _ = events[-1]
    assert (sender, event["event"], event["sub"]) == (
        GouvConnectMiddleware,
        "logout",
        ALICE["sub"],
    )


@pytest.mark.django_db
def test_with_silent_login_an_ended_login_is_renewed_first(
    settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base, silent_login=True)}
    emu = requests.Session()
    client = DjangoClient()
    assert sign_in(client, emu, "agent").status_code == 302
    assert client.session.get_expiry_age() > 43200  # one more hour for the renewal
    old_end = client.session[conf.SESSION_EXPIRES_AT]

    # Still signed in at the provider: renewed, same person, a new end.
    expire(client)
    url = leaves_app(client, "/page")
    assert parse_qs(urlsplit(url).query)["prompt"] == ["none"]
    back = back_to_app(client, on_emulator(emu, url, None))
    assert (back.status_code, back["Location"]) == (302, "/page")
    assert client.get("/page", HTTP_HOST="127.0.0.1").content == b"signed in"
    assert client.session[conf.SESSION_EXPIRES_AT] >= old_end

    # No longer signed in at the provider: the login ends, no error page, no loop.
    expire(client)
    url = leaves_app(client, "/page")
    back = back_to_app(client, on_emulator(requests.Session(), url, None))
    assert (back.status_code, back["Location"]) == (302, "/page")
    for _ in range(2):
        assert client.get("/page", HTTP_HOST="127.0.0.1").content == b"anonymous"
    assert [e["event"] for _, e, _ in events] == ["login_succeeded", "login_succeeded", "logout"]


# -- renewal with the refresh token -------------------------------------------------------------


def renewal_due(client: DjangoClient) -> None:
    """Moves the last renewal ``renew_every`` (60 s) into the past (instead of waiting)."""
    session = client.session
    session[conf.SESSION_RENEWED_AT] -= 61
    session.save()


def spend(emulator_base: str, refresh_token: str) -> None:
    """Uses the session's refresh token elsewhere: single use, the app's next renewal gets
    ``invalid_grant``, as after the provider's session ended."""
    client_id, secret, path = CLIENTS["proconnect"]
    answer = requests.post(
        f"{emulator_base}{path}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": secret,
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.django_db
def test_renewal_keeps_the_identity_current_and_the_login_end(
    settings: Any, emulator_base: str, events: list[Event], caplog: pytest.LogCaptureFixture
) -> None:
    from django.contrib.auth import get_user_model

    caplog.set_level("DEBUG")
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base, renew_every=60)}
    client = DjangoClient()
    assert sign_in(client, requests.Session(), "agent").status_code == 302
    first = client.session[conf.SESSION_REFRESH_TOKEN]
    ends = client.session[conf.SESSION_EXPIRES_AT]
    id_token = client.session[conf.SESSION_ID_TOKEN]
    # Kept server-side: the browser holds the session id only.
    assert first and all(first not in morsel.value for morsel in client.cookies.values())

    # Not due yet: nothing happens.
    assert client.get("/page", HTTP_HOST="127.0.0.1").content == b"signed in"
    assert client.session[conf.SESSION_REFRESH_TOKEN] == first

    # Due: renewed on the next page view; the user's mapped fields follow the provider again.
    user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    user.last_name = "Stale"
    user.save()
    renewal_due(client)
    before = int(time.time())
    assert client.get("/page", HTTP_HOST="127.0.0.1").content == b"signed in"
    assert client.session[conf.SESSION_REFRESH_TOKEN] not in (first, None)
    assert client.session[conf.SESSION_RENEWED_AT] >= before
    assert client.session[conf.SESSION_ID_TOKEN] != id_token
    assert client.session[conf.SESSION_EXPIRES_AT] == ends
    assert session_identity(client)["sub"] == ALICE["sub"]
    user.refresh_from_db()
    assert user.last_name == ALICE["family_name"]
    # A renewal is not a login: no event; no token in the logs.
    assert [e["event"] for _, e, _ in events] == ["login_succeeded"]
    assert first not in caplog.text and client.session[conf.SESSION_REFRESH_TOKEN] not in caplog.text

    # The refresh token no longer works (the provider's session ended): the login ends cleanly.
    spend(emulator_base, client.session[conf.SESSION_REFRESH_TOKEN])
    renewal_due(client)
    assert client.get("/page", HTTP_HOST="127.0.0.1").content == b"anonymous"
    assert client.get("/me", HTTP_HOST="127.0.0.1").status_code == 401
    sender, event, _ = events[-1]
    assert (sender, event["event"], event["sub"]) == (GouvConnectMiddleware, "logout", ALICE["sub"])
    assert conf.SESSION_REFRESH_TOKEN not in client.session
    assert "code=login_required" in caplog.text
    assert_clean(events, emulator_base)


@pytest.mark.django_db
def test_a_failed_renewal_tries_a_silent_login_when_it_is_on(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base, renew_every=60, silent_login=True)}
    emu = requests.Session()
    client = DjangoClient()
    assert sign_in(client, emu, "agent").status_code == 302
    spend(emulator_base, client.session[conf.SESSION_REFRESH_TOKEN])
    renewal_due(client)
    url = leaves_app(client, "/page")
    query = parse_qs(urlsplit(url).query)
    assert query["prompt"] == ["none"]
    back = back_to_app(client, on_emulator(emu, url, None))
    assert (back.status_code, back["Location"]) == (302, "/page")
    assert client.get("/page", HTTP_HOST="127.0.0.1").content == b"signed in"
    assert isinstance(client.session[conf.SESSION_REFRESH_TOKEN], str)


def test_renew_every_is_checked() -> None:
    assert conf.parse_provider("proconnect", {"renew_every": 0}).renew_every is None
    assert conf.parse_provider("proconnect", {"renew_every": 900}).renew_every == 900
    for wrong in (30, "900", True, 90.5):
        with pytest.raises(conf.ConfigurationError):
            conf.parse_provider("proconnect", {"renew_every": wrong})
