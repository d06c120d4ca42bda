"""Links between local users and provider subjects."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProviderLink(models.Model):
    """A user's account at a provider: ``(provider, sub)`` designates exactly one user.

    Users are found by this link first; the email fallback (off by default) only creates a
    link, it never replaces the link lookup.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gouvconnect_links"
    )
    provider = models.CharField(max_length=32)
    sub = models.CharField(max_length=255)
    created = models.DateTimeField(auto_now_add=True)
    last_login = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "provider link"
        constraints = [models.UniqueConstraint(fields=["provider", "sub"], name="gouvconnect_unique_subject")]
        indexes = [models.Index(fields=["user", "provider"], name="gouvconnect_user_provider")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.sub}"
