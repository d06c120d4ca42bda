"""The authentication backend: a verified login → a local user, through the core's mapping.

Subclass :class:`GouvConnectBackend` and override its hooks, with mozilla-django-oidc's names
and signatures: ``verify_claims(claims)``, ``filter_users_by_claims(claims)``,
``create_user(claims)``, ``update_user(user, claims)``, ``get_username(claims)``. ``claims`` is
the core's normalised identity (a dict: ``provider``, ``sub``, ``email``, ``proconnect``/
``prosanteconnect``…, and every claim received under ``raw``). The mapping's result and the
provider's settings are ``self.mapped_user`` and ``self.provider_settings``; the request is
``self.request``.

The former hooks (``filter_users(identity, mapped, settings)``,
``verify_claims(identity, settings)``, ``get_username(identity, mapped)``,
``create_user(identity, mapped, settings)``, ``update_user(user, identity, mapped, settings)``)
still work for one release, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import inspect
import logging
import warnings
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .. import Identity, Login, MappedUser, Mapping, email_trusted
from . import conf, signals
from .models import ProviderLink

logger = logging.getLogger("gouvconnect")

#: The former signatures: hook name → how many positional arguments it took (without ``self``).
_FORMER_ARITY = {"verify_claims": 2, "get_username": 2, "create_user": 3, "update_user": 4}


def _deprecated(message: str) -> None:
    warnings.warn(f"GouvConnectBackend: {message}", DeprecationWarning, stacklevel=4)


def _takes_former_arguments(method: Any, name: str) -> bool:
    """Whether an overridden hook still has the former signature (more positional arguments)."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = 0
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return False
        if parameter.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= _FORMER_ARITY[name]


class GouvConnectBackend(ModelBackend):
    """Finds the user linked to ``(provider, sub)``, or links/creates one.

    Order: the link of ``(provider, sub)``; else the email fallback when enabled (a single
    user among ``filter_users_by_claims``, an email the provider vouches for by
    :func:`gouvconnect.email_trusted` — never FranceConnect's — and no conflicting link); else
    a new user (``create_user``) when the ``create_user`` setting is on. Returns ``None``
    (login refused) otherwise, or when ``verify_claims`` says no. The email fallback
    linking an existing account sends the ``account_linked`` event
    (:data:`gouvconnect.django.signals.login_event`, sender: this class).
    """

    #: The request of the login being authenticated (as mozilla-django-oidc's ``self.request``).
    request: HttpRequest | None = None
    #: The core mapping's result for this login: ``fields`` and ``groups``.
    mapped_user: MappedUser | None = None
    #: The provider's entry of ``GOUVCONNECT``.
    provider_settings: conf.ProviderSettings | None = None
    #: The claims ``mapped_user`` was computed from.
    _claims: Any = None

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        gouvconnect_login: Login | None = None,
        gouvconnect_provider: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if gouvconnect_login is None or gouvconnect_provider is None:
            return None
        self.request = request
        settings = conf.provider(gouvconnect_provider)
        identity = gouvconnect_login.identity
        self.provider_settings = settings
        self.mapped_user = None
        if not self._call_verify_claims(identity):
            logger.warning("gouvconnect: login refused by verify_claims (code=access_denied)")
            return None
        mapped = Mapping(settings.mapping).apply(identity)
        self.mapped_user, self._claims = mapped, identity
        with transaction.atomic():
            user = self._find_or_create(identity, mapped, settings, request)
            if user is None or not self.user_can_authenticate(user):
                return None
            ProviderLink.objects.filter(provider=identity["provider"], sub=identity["sub"]).update(
                last_login=timezone.now()
            )
        return user

    # -- hooks (mozilla-django-oidc's names and signatures) ------------------------------

    def verify_claims(self, claims: Identity, *former: Any) -> bool:
        """Extra checks on top of the core's policy; ``False`` refuses the login
        (``access_denied``). Default: accept."""
        if former:
            _deprecated("verify_claims(identity, settings) is deprecated: use verify_claims(claims)")
        return True

    def filter_users_by_claims(self, claims: Identity) -> Any:
        """Candidates of the email fallback (a queryset). Default: same email, ignoring case."""
        email = claims.get("email")
        if not email:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(email__iexact=email)

    def get_username(self, claims: Identity, *former: Any) -> str:
        """The username of a new user. Default: ``provider:sub`` (unique and stable)."""
        if former:
            _deprecated("get_username(identity, mapped) is deprecated: use get_username(claims)")
        return f"{claims['provider']}:{claims['sub']}"[:150]

    def create_user(self, claims: Identity, *former: Any) -> AbstractBaseUser:
        """Creates a user from the mapped fields and groups (no usable password)."""
        mapped, settings = self._context(claims, former, "create_user(identity, mapped, settings)")
        model = get_user_model()
        user = model(**{model.USERNAME_FIELD: self._call_get_username(claims, mapped)})
        self._apply_fields(user, mapped)
        user.set_unusable_password()
        user.save()
        self._apply_groups(user, mapped, settings)
        return user

    def update_user(self, user: AbstractBaseUser, claims: Identity, *former: Any) -> AbstractBaseUser:
        """Refreshes the mapped fields and groups on every login (``update_user`` setting)."""
        mapped, settings = self._context(claims, former, "update_user(user, identity, mapped, settings)")
        if self._apply_fields(user, mapped):
            user.save()
        self._apply_groups(user, mapped, settings)
        return user

    def filter_users(self, identity: Identity, mapped: MappedUser, settings: conf.ProviderSettings) -> Any:
        """Deprecated: override ``filter_users_by_claims(claims)``."""
        _deprecated("filter_users(identity, mapped, settings) is deprecated: use filter_users_by_claims")
        return self.filter_users_by_claims(identity)

    # -- calling the hooks, former signatures included ------------------------------------

    def _context(
        self, claims: Identity, former: tuple[Any, ...], signature: str
    ) -> tuple[MappedUser, conf.ProviderSettings]:
        """The mapping's result and the provider's settings of this login: the former arguments
        when given, else this login's, else computed from ``claims``."""
        if former:
            _deprecated(f"{signature} is deprecated: mozilla-django-oidc's signature takes claims only")
            if len(former) >= 2:
                return former[-2], former[-1]
        settings = self.provider_settings
        if settings is None or settings.name != claims.get("provider"):
            settings = conf.provider(str(claims.get("provider")))
            self.provider_settings = settings
        if self.mapped_user is None or claims is not self._claims:
            self.mapped_user, self._claims = Mapping(settings.mapping).apply(claims), claims
        return self.mapped_user, settings

    def _former(self, name: str) -> bool:
        method = getattr(self, name)
        if getattr(type(self), name) is getattr(GouvConnectBackend, name):
            return False
        if _takes_former_arguments(method, name):
            _deprecated(f"{type(self).__name__}.{name} has the former signature: see the module's docstring")
            return True
        return False

    def _call_verify_claims(self, identity: Identity) -> bool:
        if self._former("verify_claims"):
            return bool(self.verify_claims(identity, self.provider_settings))
        return bool(self.verify_claims(identity))

    def _call_get_username(self, identity: Identity, mapped: MappedUser) -> str:
        if self._former("get_username"):
            return str(self.get_username(identity, mapped))
        return str(self.get_username(identity))

    def _call_create_user(
        self, identity: Identity, mapped: MappedUser, settings: conf.ProviderSettings
    ) -> AbstractBaseUser:
        if self._former("create_user"):
            return self.create_user(identity, mapped, settings)
        return self.create_user(identity)

    def _call_update_user(
        self,
        user: AbstractBaseUser,
        identity: Identity,
        mapped: MappedUser,
        settings: conf.ProviderSettings,
    ) -> AbstractBaseUser:
        """Runs ``update_user`` (``self.mapped_user``/``self.provider_settings`` set to these)."""
        self.mapped_user, self.provider_settings, self._claims = mapped, settings, identity
        if self._former("update_user"):
            return self.update_user(user, identity, mapped, settings)
        return self.update_user(user, identity)

    def _call_filter_users(
        self, identity: Identity, mapped: MappedUser, settings: conf.ProviderSettings
    ) -> Any:
        if type(self).filter_users is not GouvConnectBackend.filter_users:
            _deprecated(f"{type(self).__name__}.filter_users is deprecated: override filter_users_by_claims")
            return self.filter_users(identity, mapped, settings)
        return self.filter_users_by_claims(identity)

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
                self._call_update_user(user, identity, mapped, settings)
            return user
        user = self._email_fallback(identity, mapped, settings)
        if user is not None:
            # An existing account now answers to this (provider, sub): the audit trail says so.
            signals.send(type(self), request, "account_linked", settings.name, identity=identity)
            if settings.update_user:
                self._call_update_user(user, identity, mapped, settings)
            return user
        if not settings.create_user:
            logger.info("gouvconnect: no local user for this subject and create_user is off")
            return None
        user = self._call_create_user(identity, mapped, settings)
        self._link(user, provider, sub)
        return user

    def _email_fallback(
        self, identity: Identity, mapped: MappedUser, settings: conf.ProviderSettings
    ) -> AbstractBaseUser | None:
        if not settings.email_fallback or not identity.get("email"):
            return None
        if not email_trusted(identity):
            # Never merge accounts on an email the provider did not verify (the core's rule:
            # marked unverified, or FranceConnect's, which no provider vouches for).
            logger.warning("gouvconnect: email fallback skipped, email not verified by the provider")
            return None
        candidates = list(self._call_filter_users(identity, mapped, settings)[:2])
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
            managed = set(Mapping(settings.mapping).fixed_groups())
            stale = (managed - set(mapped.groups)) & current
            if stale:
                user.groups.remove(*Group.objects.filter(name__in=stale))
