from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import emulator


@pytest.fixture(scope="session")
def emulator_base() -> Iterator[str]:
    with emulator() as base:
        yield base
