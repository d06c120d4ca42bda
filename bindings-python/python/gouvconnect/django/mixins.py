"""``RequiresAcrMixin``: the class-based form of :func:`gouvconnect.django.decorators.requires_acr`.

from django.views.generic import FormView
from gouvconnect.django.mixins import RequiresAcrMixin

class SignView(RequiresAcrMixin, FormView):
    acr_required = "eidas2"
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from .decorators import acr_step_up_response

__all__ = ["RequiresAcrMixin"]


class RequiresAcrMixin:
    """Runs the view only for a user authenticated at ``acr_required`` or above; else starts the
    step-up (see :func:`~gouvconnect.django.decorators.requires_acr`). Put it first in the bases,
    as Django's ``LoginRequiredMixin``."""

    #: The minimum level (ProConnect ``eidas2``, certification dirigeant…; PSC ``eidas2``).
    acr_required: str | None = None
    #: The provider an anonymous visitor logs in with (default: the default provider).
    acr_provider: str | None = None

    def get_acr_required(self) -> str:
        if not self.acr_required:
            raise ImproperlyConfigured(f"{type(self).__name__} needs `acr_required`")
        return self.acr_required

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = acr_step_up_response(request, self.get_acr_required(), self.acr_provider)
        if response is not None:
            return response
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
