"""``{% load gouvconnect %}`` then ``{% gouvconnect_button "proconnect" %}`` (optionally
``next="/path"``) and ``{% gouvconnect_button_css %}`` once in the page's head. The name is a
provider entry of ``GOUVCONNECT`` (``proconnect``, ``prosanteconnect``, ``franceconnect``,
``franceconnect_plus``…): the button is its provider's. The markup is the core's official
button (FranceConnect+'s with its presentation sentence and its "Qu’est-ce que FranceConnect+ ?"
link): identical in every gouvconnect host, not meant to be edited."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from ... import BUTTON_CSS, button_html, safe_next_path
from .. import conf

register = template.Library()


def _kind(name: str) -> str:
    """The provider of entry ``name`` (its ``provider`` key, else the name itself)."""
    try:
        return str(conf.provider(name).client_config.get("provider", name))
    except (KeyError, conf.ConfigurationError):
        return name


@register.simple_tag
def gouvconnect_button(provider: str, next: str | None = None) -> SafeString:  # noqa: A002
    action = reverse("gouvconnect:login_provider", kwargs={"provider": provider})
    return mark_safe(button_html(_kind(provider), action, safe_next_path(next)))  # noqa: S308 - escaped by the core


@register.simple_tag
def gouvconnect_button_css() -> SafeString:
    return mark_safe(f"<style>{BUTTON_CSS}</style>")  # noqa: S308 - constant of the core
