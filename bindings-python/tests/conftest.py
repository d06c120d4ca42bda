from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gouvconnect.django.signals import login_event
from harness import emulator

#: What the ``events`` fixture collects: (sender, event, request) of each ``login_event``.
Event = tuple[Any, dict[str, Any], Any]


@pytest.fixture(scope="session")
def emulator_base() -> Iterator[str]:
    with emulator() as base:
        yield base


@pytest.fixture
def events() -> Iterator[list[Event]]:
    """Every ``login_event`` sent during the test."""
    received: list[Event] = []

    def receiver(sender: Any, event: dict[str, Any], request: Any, **kwargs: Any) -> None:
        received.append((sender, event, request))

    login_event.connect(receiver)
    try:
        yield received
    finally:
        login_event.disconnect(receiver)
