"""gouvconnect.django.signals.login_event: one event for every login success, refusal (with its
stable code), logout, step-up and account link — with the core's field names, and never a
token, secret, code, state or nonce (checked against everything the emulator issued)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from conftest import Event
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import Client as DjangoClient
from gouvconnect.django import conf, views
from gouvconnect.django.backends import GouvConnectBackend
from gouvconnect.django.clients import clear_cache
from gouvconnect.django.signals import login_event
from harness import CLIENTS, ROOT, USERS, emulator, issued_secrets, login_on_emulator
from test_django_app import psc_entry

#: The fields of the core's AuditEvent (core/src/audit.rs), the same in every host.
CORE_FIELDS = {"event", "provider", "client_id", "sub", "acr", "idp_id", "siret", "code", "provider_error"}


@pytest.fixture(autouse=True)
def _fresh_clients() -> None:
    clear_cache()


def pc_entry(emulator_base: str, **extra: Any) -> dict[str, Any]:
    """The ProConnect entry of ``GOUVCONNECT`` pointing at the emulator."""
    client_id, secret, path = CLIENTS["proconnect"]
    return {
        "issuer": emulator_base + path,
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uri": "http://127.0.0.1/auth/callback",
        "post_logout_redirect_uri": "http://127.0.0.1/auth/logout/callback",
        **extra,
    }


def login(client: DjangoClient, user: str) -> Any:
    """/auth/login → the emulator's login page, as ``user`` → /auth/callback (not followed)."""
    start = client.get("/auth/login", HTTP_HOST="127.0.0.1")
    assert start.status_code == 302, start.content[:300]
    callback = login_on_emulator(requests.Session(), start["Location"], user)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}", HTTP_HOST="127.0.0.1")


def assert_clean(events: list[Event], emulator_base: str) -> None:
    """Core field names only, and no value the emulator issued or received."""
    secrets = [s for s in issued_secrets(emulator_base) if len(s) >= 8]
    for _, event, request in events:
        assert set(event) <= CORE_FIELDS, event
        assert isinstance(request, HttpRequest)
        text = repr(event)
        assert not [s for s in secrets if s in text], "a secret in a login event"


@pytest.mark.django_db
def test_login_and_logout_send_events(
    client: DjangoClient, settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base)}
    done = login(client, "doctor")
    assert done.status_code == 302
    identity = client.session[conf.SESSION_IDENTITY]
    assert len(events) == 1
    sender, event, request = events[0]
    assert sender is views.callback
    assert event == {
        "event": "login_succeeded",
        "provider": "prosanteconnect",
        "client_id": CLIENTS["prosanteconnect"][0],
        "sub": identity["sub"],
        "acr": "eidas1",
    }
    assert request.path == "/auth/callback"

    out = client.post("/auth/logout", HTTP_HOST="127.0.0.1")
    assert out.status_code == 302 and len(events) == 1  # the session ends at the logout callback
    back = requests.get(out["Location"], allow_redirects=False, timeout=10)
    parts = urlsplit(back.headers["Location"])
    assert client.get(f"{parts.path}?{parts.query}", HTTP_HOST="127.0.0.1").status_code == 302
    sender, event, _ = events[1]
    assert sender is views.logout_callback
    assert event["event"] == "logout" and event["sub"] == identity["sub"]
    assert_clean(events, emulator_base)


@pytest.mark.django_db
def test_proconnect_event_carries_idp_and_siret(
    client: DjangoClient, settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base)}
    assert login(client, "agent").status_code == 302
    identity = client.session[conf.SESSION_IDENTITY]
    (_, event, _) = events[0]
    assert event["event"] == "login_succeeded" and event["provider"] == "proconnect"
    assert event["siret"] == identity["proconnect"]["siret"] == "11000101300017"
    assert event["idp_id"] == identity["proconnect"]["idp_id"]
    assert_clean(events, emulator_base)


@pytest.mark.django_db
def test_refusals_carry_the_stable_code(
    client: DjangoClient, settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base)}
    # A tampered state.
    start = client.get("/auth/login", HTTP_HOST="127.0.0.1")
    callback = login_on_emulator(requests.Session(), start["Location"], "doctor")
    query = parse_qs(urlsplit(callback).query)
    query["state"] = ["x" * 43]
    done = client.get("/auth/callback?" + urlencode(query, doseq=True), HTTP_HOST="127.0.0.1")
    assert done.status_code == 400
    # A callback without a session.
    assert DjangoClient().get("/auth/callback?code=abc&state=def").status_code == 400
    codes = [(e["event"], e.get("code"), e["provider"]) for _, e, _ in events]
    assert codes == [
        ("login_refused", "state_mismatch", "prosanteconnect"),
        ("login_refused", "session_lost", "prosanteconnect"),
    ]
    assert all("sub" not in e for _, e, _ in events)
    assert_clean(events, emulator_base)


@pytest.mark.django_db
def test_a_refusal_by_the_provider_names_its_error(
    client: DjangoClient, settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {
        "prosanteconnect": psc_entry(emulator_base, client_secret="not-the-registered-one")
    }
    assert login(client, "doctor").status_code == 502
    (_, event, _) = events[0]
    assert event == {
        "event": "login_refused",
        "provider": "prosanteconnect",
        "client_id": CLIENTS["prosanteconnect"][0],
        "code": "invalid_client",
        "provider_error": "invalid_client",
    }
    assert "not-the-registered-one" not in repr(events)
    assert_clean(events, emulator_base)


@pytest.mark.django_db
def test_a_refusal_by_the_application_names_who(
    client: DjangoClient, settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base, create_user=False)}
    assert login(client, "doctor").status_code == 403
    (_, event, _) = events[0]
    assert event["event"] == "login_refused" and event["code"] == "access_denied"
    assert event["sub"]  # the provider vouched for this person; the application refused them
    assert_clean(events, emulator_base)


@pytest.mark.django_db
def test_the_email_fallback_sends_account_linked(
    client: DjangoClient, settings: Any, emulator_base: str, events: list[Event]
) -> None:
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base, email_fallback=True)}
    existing = get_user_model().objects.create(username="alice", email=USERS["proconnect"]["agent"]["email"])
    assert login(client, "agent").status_code == 302
    assert [(s, e["event"]) for s, e, _ in events] == [
        (GouvConnectBackend, "account_linked"),
        (views.callback, "login_succeeded"),
    ]
    assert events[0][1]["sub"] == client.session[conf.SESSION_IDENTITY]["sub"]
    assert int(client.session["_auth_user_id"]) == existing.pk
    # The next login finds the link: no new account_linked.
    client.logout()
    assert login(client, "agent").status_code == 302
    assert [e["event"] for _, e, _ in events[2:]] == ["login_succeeded"]
    assert_clean(events, emulator_base)


@pytest.mark.django_db
def test_a_local_logout_sends_logout(
    client: DjangoClient, settings: Any, emulator_base: str, events: list[Event]
) -> None:
    """A provider without end-session endpoint reachable (settings gone): local logout, event sent."""
    settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base)}
    assert login(client, "doctor").status_code == 302
    sub = client.session[conf.SESSION_IDENTITY]["sub"]
    settings.GOUVCONNECT = {"proconnect": pc_entry(emulator_base)}  # the login's provider removed
    assert client.post("/auth/logout", HTTP_HOST="127.0.0.1").status_code == 302
    sender, event, _ = events[-1]
    assert sender is views.logout and event["event"] == "logout" and event["sub"] == sub


@pytest.mark.django_db
def test_step_up_when_the_same_person_signs_in_at_a_higher_level(
    client: DjangoClient, settings: Any, tmp_path: Path, events: list[Event]
) -> None:
    """One person (one sub) seen at eidas1, then at eidas2: ``step_up``, not a second login."""
    person = {"persona": "proconnect", "sub": "3f1a6f2e-1c7b-4a57-9d0e-5a1f2b3c4d5e"}
    claims = {"given_name": "Zoé", "usual_name": "Roux", "email": "zoe@exemple.fr", "siret": "11000101300017"}
    users = [
        {
            **person,
            "id": "zoe-pwd",
            "label": "Zoé (eidas1)",
            "acr": "eidas1",
            "amr": ["pwd"],
            "claims": claims,
        },
        {
            **person,
            "id": "zoe-mfa",
            "label": "Zoé (eidas2)",
            "acr": "eidas2",
            "amr": ["pwd", "otp", "mfa"],
            "claims": claims,
        },
    ]
    config = tmp_path / "emulator.json"
    config.write_text(json.dumps({"users": users}))
    with emulator(["--config", str(config)]) as base:
        settings.GOUVCONNECT = {"proconnect": pc_entry(base)}
        assert login(client, "zoe-pwd").status_code == 302
        assert login(client, "zoe-mfa").status_code == 302
        # Back at eidas1 is no step-up, and another person is a login of their own.
        assert login(client, "zoe-pwd").status_code == 302
        assert login(client, "agent").status_code == 302
        kinds = [(e["event"], e["acr"]) for _, e, _ in events]
        assert kinds == [
            ("login_succeeded", "eidas1"),
            ("step_up", "eidas2"),
            ("login_succeeded", "eidas1"),
            ("login_succeeded", "eidas1"),
        ]
        assert_clean(events, base)


@pytest.mark.django_db
def test_a_failing_receiver_never_breaks_the_login(
    client: DjangoClient, settings: Any, emulator_base: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    login_event.connect(broken)
    try:
        settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base)}
        assert login(client, "doctor").status_code == 302
    finally:
        login_event.disconnect(broken)
    assert "login_event receiver" in caplog.text and "RuntimeError" in caplog.text


@pytest.mark.django_db
def test_the_readme_receiver_counts_refusals_per_code(
    client: DjangoClient, settings: Any, emulator_base: str
) -> None:
    readme = (ROOT / "bindings-python" / "README.md").read_text()
    section = readme[readme.index("### Login events") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code, "no receiver example in the README"
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # noqa: S102 - our own README
    try:
        settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base, create_user=False)}
        assert login(client, "doctor").status_code == 403
        assert DjangoClient().get("/auth/callback?code=abc&state=def").status_code == 400
        settings.GOUVCONNECT = {"prosanteconnect": psc_entry(emulator_base)}
        assert login(client, "doctor").status_code == 302
        assert namespace["refusals"] == {"access_denied": 1, "session_lost": 1}
    finally:
        login_event.disconnect(namespace["count_refusals"])
