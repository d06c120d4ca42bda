"""Headless Chromium (Debian's, no browser download) through the example: click the official
ProConnect button, pick `agent` on the emulator's page, land signed in; and a step-up: a
doctor signed in with e-CPS opens /sensitive (Pro Santé Connect card required) and is sent to
sign in again, with the card."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from harness import example

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def app(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with example(emulator_base, "proconnect", tmp_path_factory.mktemp("browser")) as base:
        yield base


def test_click_the_proconnect_button_and_land_signed_in(app: str, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "run scripts/ensure-chromium.sh"
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
        )
        try:
            page = context.new_page()
            page.goto(app + "/")
            page.click("button.gouvconnect-button--proconnect")
            page.wait_for_url(lambda url: not url.startswith(app))
            page.click('button[name="user"][value="agent"]')
            page.wait_for_url(app + "/")
            assert "Connecté" in page.inner_text("#signed-in")
            me = page.goto(app + "/me")
            assert me is not None and me.status == 200
            assert me.json()["proconnect"]["siret"] == "11000101300017"
            cookies = {c["name"]: c["value"] for c in context.cookies(app)}
        finally:
            context.close()
    # The browser's session is a real server-side session.
    assert requests.get(app + "/me", cookies=cookies, timeout=10).status_code == 200


@pytest.fixture(scope="module")
def psc_app(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with example(emulator_base, "prosanteconnect", tmp_path_factory.mktemp("browser-psc")) as base:
        yield base


def test_step_up_to_the_psc_card_comes_back_to_the_sensitive_page(psc_app: str, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "run scripts/ensure-chromium.sh"
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
        )
        try:
            page = context.new_page()
            page.goto(psc_app + "/")
            page.click("button.gouvconnect-button--prosanteconnect")
            page.wait_for_url(lambda url: not url.startswith(psc_app))
            page.click('button[name="user"][value="doctor"]')  # e-CPS, the default means
            # Several practices: the first one, on the picker (test_practice.py).
            page.wait_for_url(psc_app + "/auth/practice")
            page.get_by_role("button", name="Continuer").click()
            page.wait_for_url(psc_app + "/")
            assert page.goto(psc_app + "/me").json()["acr"] == "eidas1"  # type: ignore[union-attr]

            # The sensitive page asks for the card: to Pro Santé Connect's page again...
            page.goto(psc_app + "/sensitive")
            page.wait_for_url(lambda url: not url.startswith(psc_app))
            assert "prompt=login" in page.url
            # ...where the doctor picks the card, and lands back on the sensitive page.
            page.check('input[name="means"][value="card"]')
            page.click('button[name="user"][value="doctor"]')
            page.wait_for_url(psc_app + "/sensitive")
            assert "niveau eidas2" in page.inner_text("#sensitive")
            identity = page.goto(psc_app + "/me").json()  # type: ignore[union-attr]
            assert identity["prosanteconnect"]["auth_mode"] == "CARD" and identity["mfa"] is True
        finally:
            context.close()
