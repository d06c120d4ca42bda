"""Every shared vector of tests/vectors/ through the Python API: same outcome as the core."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gouvconnect
import pytest
from harness import ROOT

VECTORS = sorted((ROOT / "tests" / "vectors").glob("*.json"))


def test_the_vector_set_is_present() -> None:
    assert len(VECTORS) >= 40, f"expected the shared vectors in tests/vectors, found {len(VECTORS)}"


def run(vector: dict[str, Any]) -> gouvconnect.Login:
    client = gouvconnect.Client(vector["config"], discover=False)
    client.set_jwks(vector["jwks"])
    userinfo = vector.get("userinfo")
    return client.finish_login(
        json.dumps(vector["pending"]),
        vector["token_response"],
        userinfo["content_type"] if userinfo else None,
        userinfo["body"] if userinfo else None,
        now=vector["now"],
    )


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path: Path) -> None:
    vector = json.loads(path.read_text())
    expected = vector["expected"]
    if "error" in expected:
        with pytest.raises(gouvconnect.GouvConnectError) as caught:
            run(vector)
        assert caught.value.code == expected["error"], vector["description"]
        assert isinstance(caught.value, gouvconnect.error_class(expected["error"]))
    else:
        assert run(vector).identity == expected["identity"], vector["description"]
