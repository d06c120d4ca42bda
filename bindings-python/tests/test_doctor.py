"""The going-live doctor: ``gouvconnect.doctor`` and ``manage.py gouvconnect_check``, against the
emulator with each seeded fault (wrong secret, wrong issuer, wrong algorithm, skewed clock,
expired PSC certificate, a redirect URI that is not the mounted route) and healthy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import gouvconnect
import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import path
from gouvconnect.django.clients import clear_cache
from harness import CLIENTS, EXAMPLE, client, emulator, gen_client_cert

#: ROOT_URLCONF of the test of a project that forgot to include gouvconnect's URLs.
urlpatterns = [path("elsewhere", lambda request: None)]

SECRETS = [secret for _, secret, _ in CLIENTS.values()]
#: The mutual-TLS client (no secret; its certificate's CN is its id).
MTLS_CLIENT = client("prosanteconnect_mtls")[0]


@pytest.fixture(autouse=True)
def _fresh_clients() -> None:
    clear_cache()


def entry(emulator_base: str, provider: str = "proconnect", **extra: Any) -> dict[str, Any]:
    client_id, secret, path_ = CLIENTS[provider]
    return {
        "provider": provider,
        "issuer": emulator_base + path_,
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uri": "http://127.0.0.1:8000/auth/callback",
        "post_logout_redirect_uri": "http://127.0.0.1:8000/auth/logout/callback",
        **extra,
    }


def run_check(*args: str) -> tuple[bool, dict[str, Any]]:
    """``gouvconnect_check --json``: (passed, the JSON it printed)."""
    out = StringIO()
    try:
        call_command("gouvconnect_check", "--json", *args, stdout=out, stderr=StringIO())
        passed = True
    except CommandError:
        passed = False
    return passed, json.loads(out.getvalue())


def verdicts(result: dict[str, Any], name: str = "proconnect") -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in result["providers"][name]["checks"]}


def check_of(result: dict[str, Any], check_id: str, name: str = "proconnect") -> dict[str, Any]:
    return next(c for c in result["providers"][name]["checks"] if c["id"] == check_id)


# -- the Python API ------------------------------------------------------------------------


def test_doctor_reports_a_healthy_configuration(emulator_base: str) -> None:
    for provider in ("proconnect", "prosanteconnect"):
        report = gouvconnect.doctor(
            entry(emulator_base, provider),
            mounted_redirect_uris=["http://127.0.0.1:8000/auth/callback"],
            mounted_post_logout_redirect_uris=["http://127.0.0.1:8000/auth/logout/callback"],
        )
        assert report.ok, report.text
        assert report.provider == provider and report.environment is None
        assert not report.failures
        for check_id in ("discovery", "issuer", "clock", "algorithms", "jwks", "credentials", "redirect_uri"):
            check = report.check(check_id)
            assert check is not None and check.verdict == "pass", report.text
        assert "verdict: ready" in report.text
        assert json.loads(report.json)["ok"] is True
        for secret in SECRETS:
            assert secret not in report.text and secret not in report.json and secret not in repr(report)


def test_doctor_accepts_the_config_as_json(emulator_base: str) -> None:
    report = gouvconnect.doctor(json.dumps(entry(emulator_base)))
    assert report.ok, report.text


def test_doctor_raises_only_for_what_is_not_a_configuration() -> None:
    with pytest.raises(gouvconnect.GouvConnectError) as caught:
        gouvconnect.doctor({"provider": "proconnect", "client_idd": "typo"})
    assert caught.value.code == "invalid_config"
    # A configuration the core refuses is a failed line, not an exception.
    refused = {**entry("http://127.0.0.1:9"), "id_token_alg": "PS256", "timeout_secs": 2}
    report = gouvconnect.doctor(refused)
    assert not report.ok and report.check("configuration").verdict == "fail"  # type: ignore[union-attr]
    # An unreachable provider, likewise.
    assert report.check("discovery").verdict == "fail"  # type: ignore[union-attr]


def test_doctor_releases_the_gil(emulator_base: str) -> None:
    """A slow provider does not stop the other Python threads (token endpoint 1 s late)."""
    with emulator() as base:
        fault = {"fault": "token_slow", "delay_secs": 1}
        assert requests.post(base + "/_emulator/faults", json=fault, timeout=10).status_code == 204
        ticks = 0
        done = threading.Event()

        def tick() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                time.sleep(0.01)

        ticker = threading.Thread(target=tick)
        ticker.start()
        try:
            report = gouvconnect.doctor(entry(base))
        finally:
            done.set()
            ticker.join()
        assert report.check("credentials").verdict == "pass", report.text  # type: ignore[union-attr]
        assert ticks > 30


# -- manage.py gouvconnect_check: each seeded fault -------------------------------------------


def test_check_healthy_passes(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {
        "proconnect": entry(emulator_base),
        "prosanteconnect": entry(emulator_base, "prosanteconnect"),
    }
    passed, result = run_check()
    assert passed and result["ok"] is True
    assert set(result["providers"]) == {"proconnect", "prosanteconnect"}
    assert verdicts(result)["redirect_uri"] == "pass"
    out = StringIO()
    call_command("gouvconnect_check", "prosanteconnect", stdout=out)
    assert "[prosanteconnect]" in out.getvalue() and "verdict: ready" in out.getvalue()
    assert "[proconnect]" not in out.getvalue()


def test_check_finds_a_wrong_secret(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(emulator_base, client_secret="wrong-secret-0123456789abcdef")}
    passed, result = run_check()
    assert not passed and result["ok"] is False
    credentials = check_of(result, "credentials")
    assert credentials["verdict"] == "fail" and "invalid_client" in credentials["message"]
    assert credentials["fix"]
    assert "wrong-secret-0123456789abcdef" not in json.dumps(result)


def test_check_finds_a_wrong_issuer(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(emulator_base, issuer=emulator_base)}
    passed, result = run_check()
    assert not passed
    discovery = check_of(result, "discovery")
    assert discovery["verdict"] == "fail" and "HTTP 404" in discovery["message"]
    assert "/api/v2" in discovery["fix"]


def test_check_finds_an_algorithm_proconnect_does_not_sign_with(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(emulator_base, id_token_alg="PS256")}
    passed, result = run_check()
    assert not passed
    assert verdicts(result)["configuration"] == "fail"
    assert verdicts(result)["algorithms"] == "fail"


def test_check_finds_a_skewed_clock(settings: Any) -> None:
    with emulator() as base:
        assert requests.post(base + "/_emulator/faults", json={"fault": "clock_skew"}, timeout=10).ok
        settings.GOUVCONNECT = {"proconnect": entry(base)}
        passed, result = run_check()
    assert not passed
    clock = check_of(result, "clock")
    assert clock["verdict"] == "fail" and clock["fix"]


def test_check_finds_an_expired_psc_certificate(settings: Any, tmp_path: Path) -> None:
    server_cert = tmp_path / "server.pem"
    with emulator(["--tls-port", "0", "--tls-cert-out", str(server_cert)]) as base:

        def mtls(cert: tuple[str, str]) -> dict[str, Any]:
            return entry(
                base,
                "prosanteconnect",
                client_id=MTLS_CLIENT,
                client_secret="",
                token_auth_method="tls_client_auth",
                tls_client_cert=cert[0],
                tls_client_key=cert[1],
                tls_ca_cert=str(server_cert),
            )

        settings.GOUVCONNECT = {
            "prosanteconnect": mtls(gen_client_cert(tmp_path, "good", MTLS_CLIENT, 365))
        }
        passed, result = run_check()
        assert passed, json.dumps(result, indent=1)
        good = check_of(result, "client_certificate", "prosanteconnect")
        assert good["verdict"] == "pass" and "day(s) left" in good["message"]
        assert verdicts(result, "prosanteconnect")["credentials"] == "pass"

        expired = gen_client_cert(tmp_path, "expired", MTLS_CLIENT, -3)
        settings.GOUVCONNECT = {"prosanteconnect": mtls(expired)}
        passed, result = run_check()
        assert not passed
        certificate = check_of(result, "client_certificate", "prosanteconnect")
        assert certificate["verdict"] == "fail" and "expired" in certificate["message"]


def test_check_finds_a_redirect_uri_that_is_not_the_mounted_route(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {
        "proconnect": entry(emulator_base, redirect_uri="http://127.0.0.1:8000/oidc/callback")
    }
    passed, result = run_check()
    assert not passed
    redirect = check_of(result, "redirect_uri")
    assert redirect["verdict"] == "fail"
    # The route the project really mounts, on the configured URI's origin.
    assert "http://127.0.0.1:8000/auth/callback" in redirect["message"]
    assert verdicts(result)["post_logout_redirect_uri"] == "pass"


def test_check_follows_the_mount_point(settings: Any, emulator_base: str) -> None:
    """Mounted under another prefix: the configured /auth/… URIs are not served any more."""
    settings.ROOT_URLCONF = "test_doctor_urls"
    settings.GOUVCONNECT = {"proconnect": entry(emulator_base)}
    passed, result = run_check()
    assert not passed
    assert "http://127.0.0.1:8000/oidc/callback" in check_of(result, "redirect_uri")["message"]
    settings.GOUVCONNECT = {
        "proconnect": entry(emulator_base, redirect_uri=None, post_logout_redirect_uri=None)
    }
    passed, result = run_check("--base-url", "https://app.example/")
    assert passed, json.dumps(result, indent=1)
    assert "`https://app.example/oidc/callback`" in check_of(result, "redirect_uri")["message"]


def test_check_fails_without_the_routes(settings: Any, emulator_base: str) -> None:
    settings.ROOT_URLCONF = __name__
    settings.GOUVCONNECT = {"proconnect": entry(emulator_base)}
    passed, result = run_check()
    assert not passed
    assert any("gouvconnect.django.urls" in note for note in result["providers"]["proconnect"]["notes"])


def test_check_of_an_unparseable_entry_fails_and_goes_on(settings: Any, emulator_base: str) -> None:
    settings.GOUVCONNECT = {
        "proconnect": {**entry(emulator_base), "client_idd": "typo"},
        "prosanteconnect": entry(emulator_base, "prosanteconnect"),
    }
    passed, result = run_check()
    assert not passed
    assert result["providers"]["proconnect"]["error"]["code"] == "invalid_config"
    assert result["providers"]["prosanteconnect"]["ok"] is True


# -- the real command line: exit codes --------------------------------------------------------


@pytest.fixture(scope="module")
def example_env(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    client_id, secret, path_ = CLIENTS["proconnect"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "GOUVCONNECT_PROVIDER": "proconnect",
        "GOUVCONNECT_ISSUER": emulator_base + path_,
        "GOUVCONNECT_CLIENT_ID": client_id,
        "GOUVCONNECT_CLIENT_SECRET": secret,
        "GOUVCONNECT_BASE_URL": "http://127.0.0.1:8000",
        "GOUVCONNECT_EXAMPLE_DB": str(tmp_path_factory.mktemp("check") / "db.sqlite3"),
    }
    env.pop("GOUVCONNECT_ENVIRONMENT", None)
    yield env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "gouvconnect_check", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_line_exits_0_when_ready_and_1_otherwise(example_env: dict[str, str]) -> None:
    ready = manage(example_env)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert "verdict: ready" in ready.stdout
    wrong = manage({**example_env, "GOUVCONNECT_CLIENT_SECRET": "wrong-secret-0123456789abcdef"}, "--json")
    assert wrong.returncode == 1
    result = json.loads(wrong.stdout)
    assert result["ok"] is False and verdicts(result)["credentials"] == "fail"
    assert "not ready" in wrong.stderr
    assert "wrong-secret-0123456789abcdef" not in wrong.stdout + wrong.stderr
