"""The authentication backend: a verified login → a local user, through the core's mapping.

Subclass :class:`GouvConnectBackend` and override its hooks, as with mozilla-django-oidc:
``verify_claims``, ``filter_users``, ``create_user``, ``update_user``, ``get_username``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .. import Identity, Login, MappedUser, Mapping
from . import conf, signals
from .models import ProviderLink

logger = logging.getLogger("gouvconnect")


class GouvConnectBackend(ModelBackend):
    """Finds the user linked to ``(provider, sub)``, or links/creates one.

    Order: the link of ``(provider, sub)``; else the email fallback when enabled (a single
    user with that email, an email not marked unverified, and no conflicting link); else a
    new user when ``create_user`` is on. Returns ``None`` (login refused) otherwise. The email
    fallback linking an existing account sends the ``account_linked`` event
    (:data:`gouvconnect.django.signals.login_event`, sender: this class).
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        gouvconnect_login: Login | None = None,
        gouvconnect_provider: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if gouvconnect_login is None or gouvconnect_provider is None:
            return None
        settings = conf.provider(gouvconnect_provider)
        identity = gouvconnect_login.identity
        if not self.verify_claims(identity, settings):
            logger.warning("gouvconnect: login refused by verify_claims (code=access_denied)")
            return None
        mapped = Mapping(settings.mapping).apply(identity)
        with transaction.atomic():
            user = self._find_or_create(identity, mapped, settings, request)
            if user is None or not self.user_can_authenticate(user):
                return None
            ProviderLink.objects.filter(provider=identity["provider"], sub=identity["sub"]).update(
                last_login=timezone.now()
            )
        return user

    # -- hooks ---------------------------------------------------------------------------

    def verify_claims(self, identity: Identity, settings: conf.ProviderSettings) -> bool:
        """Extra checks on top of the core's policy. Default: accept."""
        return True

    def filter_users(self, identity: Identity, mapped: MappedUser, settings: conf.ProviderSettings) -> Any:
        """Candidates of the email fallback (a queryset). Default: same email, ignoring case."""
        email = identity.get("email")
        if not email:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(email__iexact=email)

    def get_username(self, identity: Identity, mapped: MappedUser) -> str:
        """The username of a new user. Default: ``provider:sub`` (unique and stable)."""
        return f"{identity['provider']}:{identity['sub']}"[:150]

    def create_user(
        self, identity: Identity, mapped: MappedUser, settings: conf.ProviderSettings
    ) -> AbstractBaseUser:
        """Creates a user from the mapped fields (no usable password)."""
        model = get_user_model()
        user = model(**{model.USERNAME_FIELD: self.get_username(identity, mapped)})
        self._apply_fields(user, mapped)
        user.set_unusable_password()
        user.save()
        self._apply_groups(user, mapped, settings)
        return user

    def update_user(
        self,
        user: AbstractBaseUser,
        identity: Identity,
        mapped: MappedUser,
        settings: conf.ProviderSettings,
    ) -> AbstractBaseUser:
        """Refreshes the mapped fields and groups on every login (``update_user`` setting)."""
        if self._apply_fields(user, mapped):
            user.save()
        self._apply_groups(user, mapped, settings)
        return user

    # -- internals -----------------------------------------------------------------------

    def _find_or_create(
        self,
        identity: Identity,
        mapped: MappedUser,
        settings: conf.ProviderSettings,
        request: HttpRequest | None = None,
    ) -> AbstractBaseUser | None:
        provider, sub = identity["provider"], identity["sub"]
        link = ProviderLink.objects.select_related("user").filter(provider=provider, sub=sub).first()
        if link is not None:
            user = link.user
            if settings.update_user:
                self.update_user(user, identity, mapped, settings)
            return user
        user = self._email_fallback(identity, mapped, settings)
        if user is not None:
            # An existing account now answers to this (provider, sub): the audit trail says so.
            signals.send(type(self), request, "account_linked", settings.name, identity=identity)
            if settings.update_user:
                self.update_user(user, identity, mapped, settings)
            return user
        if not settings.create_user:
            logger.info("gouvconnect: no local user for this subject and create_user is off")
            return None
        user = self.create_user(identity, mapped, settings)
        self._link(user, provider, sub)
        return user

    def _email_fallback(
        self, identity: Identity, mapped: MappedUser, settings: conf.ProviderSettings
    ) -> AbstractBaseUser | None:
        if not settings.email_fallback or not identity.get("email"):
            return None
        if identity.get("email_verified") is False:
            # Never merge accounts on an email the provider says it has not verified.
            logger.warning("gouvconnect: email fallback skipped, email explicitly unverified")
            return None
        candidates = list(self.filter_users(identity, mapped, settings)[:2])
        if len(candidates) != 1:
            if candidates:
                logger.warning("gouvconnect: email fallback skipped, several users match")
            return None
        user = candidates[0]
        provider, sub = identity["provider"], identity["sub"]
        existing = ProviderLink.objects.filter(user=user, provider=provider).first()
        if existing is not None:
            if not settings.email_fallback_replace_link:
                logger.warning(
                    "gouvconnect: email fallback skipped, the user is linked to another subject of %s",
                    provider,
                )
                return None
            # The person's identity provider changed and ProConnect issued a new sub.
            existing.sub = sub
            existing.save(update_fields=["sub"])
            logger.warning("gouvconnect: email fallback moved a %s link to a new subject", provider)
            return user
        self._link(user, provider, sub)
        logger.info("gouvconnect: email fallback linked an existing user to %s", provider)
        return user

    def _link(self, user: AbstractBaseUser, provider: str, sub: str) -> None:
        try:
            with transaction.atomic():
                ProviderLink.objects.create(user=user, provider=provider, sub=sub)
        except IntegrityError:
            # A concurrent first login linked it already.
            pass

    @staticmethod
    def _apply_fields(user: AbstractBaseUser, mapped: MappedUser) -> bool:
        field_names = {f.name for f in user._meta.get_fields()}
        changed = False
        for name, value in mapped.fields.items():
            if value is None or name not in field_names or name == user.USERNAME_FIELD:
                continue
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        return changed

    @staticmethod
    def _apply_groups(user: AbstractBaseUser, mapped: MappedUser, settings: conf.ProviderSettings) -> None:
        if not hasattr(user, "groups"):
            return
        # Read first and write only what changes: a returning user's login then takes no write
        # lock on the group tables (SQLite serialises writers; concurrent logins must not queue).
        current = set(user.groups.values_list("name", flat=True))
        missing = set(mapped.groups) - current
        if missing:
            user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in sorted(missing)))
        if settings.sync_groups:
            # Remove the groups the rules can grant (fixed names only) that no longer match.
            managed = {
                rule["group"]
                for rule in (settings.mapping or {}).get("groups", [])
                if "{" not in rule.get("group", "")
            }
            stale = (managed - set(mapped.groups)) & current
            if stale:
                user.groups.remove(*Group.objects.filter(name__in=stale))
