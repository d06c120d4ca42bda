"""The Django quick starts of the READMEs, pasted into a project fresh from
``django-admin startproject``, served by ``runserver`` and logged into over real HTTP against the
emulator: the READMEs cannot drift from what works for a new user."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from harness import CLIENTS, ROOT, USERS, free_port, login_on_emulator, server

pytestmark = pytest.mark.e2e

PACKAGE_README = ROOT / "bindings-python" / "README.md"
ROOT_README = ROOT / "README.md"
BLOCK = re.compile(
    r'<!-- quickstart file="(?P<file>[^"]+)" mode="(?P<mode>append|replace)" -->\s*'
    r"```[a-z]*\n(?P<code>.*?)```",
    re.DOTALL,
)


def quickstart_blocks(readme: Path) -> list[tuple[str, str, str]]:
    """``(file, mode, code)`` of every quick-start block of ``readme``, in order."""
    return [(m["file"], m["mode"], m["code"]) for m in BLOCK.finditer(readme.read_text())]


def test_the_readmes_hold_the_quickstart_blocks() -> None:
    files = [f for f, _, _ in quickstart_blocks(PACKAGE_README)]
    assert files == ["mysite/settings.py", "mysite/urls.py", "mysite/views.py", "templates/home.html"]
    assert [f for f, _, _ in quickstart_blocks(ROOT_README)] == ["mysite/settings.py", "mysite/urls.py"]


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@contextmanager
def fresh_project(readme: Path, emulator_base: str, tmp_path: Path) -> Iterator[str]:
    """``startproject mysite``, the README's blocks applied, the emulator as issuer (the one
    substitution the README tells), migrated, checked and served by ``runserver``."""
    run([sys.executable, "-m", "django", "startproject", "mysite", str(tmp_path)], tmp_path, dict(os.environ))
    for name, mode, code in quickstart_blocks(readme):
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "append":
            target.write_text(target.read_text() + "\n" + code)
        else:
            target.write_text(code)
    settings = tmp_path / "mysite" / "settings.py"
    text = settings.read_text()
    assert text.count('"environment": "integration"') == 1
    settings.write_text(text.replace('"environment": "integration"', f'"issuer": "{emulator_base}/api/v2"'))

    client_id, secret, _ = CLIENTS["proconnect"]
    env = {
        **os.environ,
        "PROCONNECT_CLIENT_ID": client_id,
        "PROCONNECT_CLIENT_SECRET": secret,
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
    }
    manage = [sys.executable, str(tmp_path / "manage.py")]
    run([*manage, "migrate", "--no-input"], tmp_path, env)
    # No warning either: the gouvconnect checks pass on the quick start as pasted.
    assert "no issues" in run([*manage, "check", "--fail-level", "WARNING"], tmp_path, env)
    port = free_port()
    command = [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"]
    with server(command, tmp_path, env, tmp_path / "runserver.log", port) as base:
        yield base


def visible_text(response: requests.Response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.text))


def test_package_readme_quickstart_in_a_new_project(emulator_base: str, tmp_path: Path) -> None:
    with fresh_project(PACKAGE_README, emulator_base, tmp_path) as base:
        s = requests.Session()
        home = s.get(base + "/", timeout=10)
        assert home.status_code == 200
        assert "gouvconnect-button--proconnect" in home.text

        # @login_required → LOGIN_URL (the gouvconnect login, next kept) → the provider.
        private = s.get(base + "/private/", allow_redirects=False, timeout=10)
        assert private.status_code == 302
        assert private.headers["Location"] == "/auth/login?next=/private/"
        start = s.get(base + private.headers["Location"], allow_redirects=False, timeout=10)
        assert start.status_code == 302 and start.headers["Location"].startswith(emulator_base)
        callback = login_on_emulator(s, start.headers["Location"], "agent")
        done = s.get(callback, allow_redirects=False, timeout=10)
        assert done.status_code == 302 and done.headers["Location"] == "/private/", done.text[:500]
        page = s.get(base + "/private/", timeout=10)
        assert page.status_code == 200
        alice = USERS["proconnect"]["agent"]
        signed_in = f"Connecté : {alice['given_name']} {alice['family_name']} ({alice['email']})"
        assert signed_in in " ".join(visible_text(page).split())

        # The logout form of the template: a POST with its CSRF token, through the provider.
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, "no logout form for the signed-in user"
        out = s.post(
            base + "/auth/logout",
            data={"csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": base + "/private/"},
            allow_redirects=False,
            timeout=10,
        )
        assert out.status_code == 302 and out.headers["Location"].startswith(emulator_base)
        back = s.get(out.headers["Location"], allow_redirects=False, timeout=10)
        final = s.get(back.headers["Location"], allow_redirects=False, timeout=10)
        assert final.status_code == 302 and final.headers["Location"] == "/"
        assert "gouvconnect-button--proconnect" in s.get(base + "/", timeout=10).text
        assert s.get(base + "/private/", allow_redirects=False, timeout=10).status_code == 302


def test_root_readme_quickstart_in_a_new_project(emulator_base: str, tmp_path: Path) -> None:
    with fresh_project(ROOT_README, emulator_base, tmp_path) as base:
        s = requests.Session()
        start = s.get(base + "/auth/login?next=/admin/", allow_redirects=False, timeout=10)
        assert start.status_code == 302 and start.headers["Location"].startswith(emulator_base)
        callback = login_on_emulator(s, start.headers["Location"], "agent")
        done = s.get(callback, allow_redirects=False, timeout=10)
        assert done.status_code == 302 and done.headers["Location"] == "/admin/", done.text[:500]
        # The logout route answers a GET with its form (the README's POST needs the token).
        page = s.get(base + "/auth/logout", timeout=10)
        assert page.status_code == 200 and 'method="post"' in page.text
