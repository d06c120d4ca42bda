"""Subprocess harness of the end-to-end tests: the emulator and the example project, each on a
loopback port, stopped at the end even on failure."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "django"
EMULATOR_BIN = os.environ.get(
    "GOUVCONNECT_EMULATOR_BIN", str(ROOT / "target" / "release" / "gouvconnect-emulator")
)

#: The shared test fixture (tests/fixture.json): the emulator's clients, secrets and users, as
#: every language's harness reads them (core/tests/emulator_login.rs checks it against the emulator).
FIXTURE: dict[str, Any] = json.loads((ROOT / "tests" / "fixture.json").read_text(encoding="utf-8"))
#: The test users by provider, then by login name: ``USERS["proconnect"]["agent"]["email"]``.
USERS: dict[str, dict[str, dict[str, Any]]] = FIXTURE["users"]


def client(name: str) -> tuple[str, str, str]:
    """(client_id, secret, issuer path) of the fixture's client ``name`` (``proconnect_es256``…)."""
    c = FIXTURE["clients"][name]
    return c["id"], c["secret"], FIXTURE["issuer_paths"][c["provider"]]


#: The example's default client for each provider.
CLIENTS = {
    provider: client(provider)
    for provider in ("proconnect", "prosanteconnect", "franceconnect", "franceconnect_plus")
}
#: The private keys the emulator's FranceConnect+ clients encrypt to (test-only, public).
DEMO_FCP_KEYS = ROOT / FIXTURE["clients"]["franceconnect_plus"]["decryption_keys_file"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def emulator(extra_args: Sequence[str] = ()) -> Iterator[str]:
    """Starts the emulator on port 0 (with ``extra_args``, e.g. its mutual-TLS listener);
    yields its base URL."""
    process = subprocess.Popen(
        [EMULATOR_BIN, "--port", "0", *extra_args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 15
        base = None
        while time.monotonic() < deadline and base is None:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise RuntimeError("the emulator exited early")
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if match:
                base = match.group(1)
        if base is None:
            raise RuntimeError("the emulator did not start")
        yield base
    finally:
        _stop(process)


@contextmanager
def example(
    emulator_base: str,
    provider: str,
    tmp_path: Path,
    acr: str | None = None,
    scopes: str | None = None,
    credentials: tuple[str, str] | None = None,
    public_host: str = "127.0.0.1",
    decryption_keys_file: Path | None = DEMO_FCP_KEYS,
    port: int | None = None,
) -> Iterator[str]:
    """Starts examples/django with the environment of docs/architecture.md §6; yields its base URL
    (``GOUVCONNECT_BASE_URL``: on ``public_host``, the server listening on 127.0.0.1).
    FranceConnect+ gets ``decryption_keys_file`` (``None``: no keys). A server that exits at
    start (its system checks) raises ``RuntimeError`` with its output."""
    client_id, secret, issuer_path = CLIENTS[provider]
    if credentials:
        client_id, secret = credentials
    port = port or free_port()
    base = f"http://{public_host}:{port}"
    env = {
        **os.environ,
        "PORT": str(port),
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "GOUVCONNECT_PROVIDER": provider,
        "GOUVCONNECT_ISSUER": emulator_base + issuer_path,
        "GOUVCONNECT_CLIENT_ID": client_id,
        "GOUVCONNECT_CLIENT_SECRET": secret,
        "GOUVCONNECT_BASE_URL": base,
        "GOUVCONNECT_EXAMPLE_DB": str(tmp_path / f"example-{port}.sqlite3"),
    }
    env.pop("GOUVCONNECT_ENVIRONMENT", None)
    if acr:
        env["GOUVCONNECT_ACR"] = acr
    if scopes:
        env["GOUVCONNECT_SCOPES"] = scopes
    env.pop("GOUVCONNECT_DECRYPTION_KEYS", None)
    env.pop("GOUVCONNECT_DECRYPTION_KEYS_FILE", None)
    if provider == "franceconnect_plus" and decryption_keys_file is not None:
        env["GOUVCONNECT_DECRYPTION_KEYS_FILE"] = str(decryption_keys_file)
    with server(
        [sys.executable, str(EXAMPLE / "serve.py")], EXAMPLE, env, tmp_path / f"example-{port}.log", port
    ):
        yield base


@contextmanager
def server(command: list[str], cwd: Path, env: dict[str, str], log_path: Path, port: int) -> Iterator[str]:
    """Runs ``command`` (a web server listening on 127.0.0.1:``port``), its output in
    ``log_path``; yields once it answers HTTP, stops it at the end."""
    base = f"http://127.0.0.1:{port}"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[-1]} exited: " + log_path.read_text())
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        _stop(process)
        log.close()


def gen_client_cert(directory: Path, name: str, cn: str, valid_days: int) -> tuple[str, str]:
    """A client certificate and its key from the emulator (``valid_days`` < 0: expired)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        [EMULATOR_BIN, "gen-client-cert", "--cn", cn, "--out-cert", str(cert), "--out-key", str(key)]
        + ["--valid-days", str(valid_days)],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def issued_secrets(emulator_base: str) -> list[str]:
    """Every secret the emulator issued or received (client secrets, codes, tokens, states,
    nonces)."""
    return list(requests.get(emulator_base + "/_emulator/issued", timeout=10).json()["secrets"])


def login_on_emulator(session: requests.Session, authorize_url: str, user: str) -> str:
    """Opens the emulator's login page, picks ``user``; returns the redirect (callback) URL."""
    page = session.get(authorize_url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text[:500]
    action = re.search(r'action="([^"]+)"', page.text)
    assert action, "no form on the emulator's login page"
    form_url = requests.compat.urljoin(authorize_url, action.group(1).replace("&amp;", "&"))
    answer = session.post(form_url, data={"user": user}, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text[:500]
    return answer.headers["Location"]


def full_login(session: requests.Session, base: str, user: str, next_path: str = "") -> requests.Response:
    """Login through the example: /auth/login → emulator → /auth/callback (not followed)."""
    url = base + "/auth/login" + (f"?next={next_path}" if next_path else "")
    start = session.get(url, allow_redirects=False, timeout=10)
    assert start.status_code == 302, start.text[:500]
    callback = login_on_emulator(session, start.headers["Location"], user)
    assert callback.startswith(base + "/auth/callback"), callback
    return session.get(callback, allow_redirects=False, timeout=10)
