"""``{% load gouvconnect %}`` then ``{% gouvconnect_button "proconnect" %}`` (optionally
``next="/path"``) and ``{% gouvconnect_button_css %}`` once in the page's head. The markup is
the core's official button: identical in every gouvconnect host, not meant to be edited."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from ... import BUTTON_CSS, button_html, safe_next_path

register = template.Library()


@register.simple_tag
def gouvconnect_button(provider: str, next: str | None = None) -> SafeString:  # noqa: A002
    action = reverse("gouvconnect:login_provider", kwargs={"provider": provider})
    return mark_safe(button_html(provider, action, safe_next_path(next)))  # noqa: S308 - escaped by the core


@register.simple_tag
def gouvconnect_button_css() -> SafeString:
    return mark_safe(f"<style>{BUTTON_CSS}</style>")  # noqa: S308 - constant of the core
