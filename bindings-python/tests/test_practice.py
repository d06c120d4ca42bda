"""The Pro Santé Connect practice picker of gouvconnect.django, on the Django example against the
emulator: the ``doctor`` (three practices over two exercices) chooses after login over HTTP and
in headless Chromium, and can switch later; the ``pharmacist`` (one practice) is not asked. The
choice is ``identity["practice"]``, with the ANS labels."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from gouvconnect import practices
from harness import example, full_login
from test_browser import CHROMIUM, FLAGS

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def app(emulator_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with example(emulator_base, "prosanteconnect", tmp_path_factory.mktemp("practice")) as base:
        yield base


def _form(html: str) -> tuple[str, list[str]]:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token
    ids = re.findall(r'name="practice" id="[^"]+" value="([^"]+)"', html)
    return token.group(1), ids


def test_a_doctor_chooses_a_practice_then_switches(app: str) -> None:
    s = requests.Session()
    callback = full_login(s, app, "doctor")
    assert callback.status_code == 302
    assert callback.headers["Location"] == "/auth/practice"
    me = s.get(app + "/me", timeout=10).json()
    assert "practice" not in me
    exercice = me["prosanteconnect"]["exercices"][0]
    assert exercice["profession_label"] == "Médecin"
    assert exercice["savoir_faire_label"] == "Médecine générale (SM)"
    assert exercice["activities"][0]["sector_label"] == "Cabinet individuel"

    page = s.get(app + "/auth/practice", timeout=10)
    assert page.status_code == 200
    assert "<legend>Votre exercice</legend>" in page.text
    assert "<strong>Médecin</strong> — Médecine générale (SM)" in page.text
    assert "HOPITAL EXEMPLE, 75020" in page.text
    token, ids = _form(page.text)
    assert ids == [p["id"] for p in practices(me)] and len(ids) == 3

    headers = {"Referer": app + "/auth/practice"}
    # Without the CSRF token, or with an id the identity does not have: refused, nothing changes.
    assert s.post(app + "/auth/practice", data={"practice": ids[1]}, timeout=10).status_code == 403
    bad = s.post(
        app + "/auth/practice",
        data={"csrfmiddlewaretoken": token, "practice": "p-none"},
        headers=headers,
        timeout=10,
        allow_redirects=False,
    )
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    assert "practice" not in s.get(app + "/me", timeout=10).json()

    chose = s.post(
        app + "/auth/practice",
        data={"csrfmiddlewaretoken": token, "practice": ids[1], "next": "/me"},
        headers=headers,
        timeout=10,
        allow_redirects=False,
    )
    assert chose.status_code == 303 and chose.headers["Location"] == "/me"
    practice = s.get(app + "/me", timeout=10).json()["practice"]
    assert practice["id"] == ids[1]
    assert practice["name"] == "HOPITAL EXEMPLE" and practice["finess"] == "750000001"
    assert practice["profession_label"] == "Médecin"
    assert practice["sector_label"] == "Etablissement public de santé"

    # Switching later: the current one is checked; an outside `next` is not followed.
    again = s.get(app + "/auth/practice", timeout=10).text
    assert f'value="{ids[1]}" aria-describedby="practice-1-where" checked' in again
    switched = s.post(
        app + "/auth/practice",
        data={"csrfmiddlewaretoken": _form(again)[0], "practice": ids[2], "next": "https://evil.example/"},
        headers=headers,
        timeout=10,
        allow_redirects=False,
    )
    assert switched.headers["Location"] == "/"
    practice = s.get(app + "/me", timeout=10).json()["practice"]
    assert practice["name"] == "CENTRE DE SANTE EXEMPLE"
    assert practice["savoir_faire_type_label"] == "Compétence exclusive"
    assert practice["savoir_faire_label"] is None


def test_one_practice_is_not_asked(app: str) -> None:
    s = requests.Session()
    callback = full_login(s, app, "pharmacist")
    assert callback.headers["Location"] == "/"
    practice = s.get(app + "/me", timeout=10).json()["practice"]
    assert practice["profession_label"] == "Pharmacien"
    assert practice["name"] == "PHARMACIE DU MARCHE"
    assert practice["sector_label"] == "Pharmacie d'officine"


@pytest.mark.browser
def test_chromium_the_doctor_picks_a_practice(app: str, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), "run scripts/ensure-chromium.sh"
    with playwright.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS
        )
        try:
            page = context.new_page()
            page.goto(app + "/")
            page.click("button.gouvconnect-button--prosanteconnect")
            page.wait_for_url(lambda url: not url.startswith(app))
            page.click('button[name="user"][value="doctor"]')
            page.wait_for_url(app + "/auth/practice")
            group = page.get_by_role("group", name="Votre exercice")
            assert group.get_by_role("radio").count() == 3
            group.get_by_role("radio", name=re.compile("Médecin — Médecine générale")).nth(1).check()
            page.get_by_role("button", name="Continuer").click()
            page.wait_for_url(app + "/")
            identity = page.goto(app + "/me").json()  # type: ignore[union-attr]
            assert identity["practice"]["name"] == "HOPITAL EXEMPLE"
            assert identity["practice"]["postal_code"] == "75020"
        finally:
            context.close()
