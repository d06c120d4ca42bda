"""GouvConnectBackend's hooks with mozilla-django-oidc's names and signatures, each overridden by a
subclass, and the former names and signatures still working with a DeprecationWarning."""

from __future__ import annotations

import json
import warnings
from typing import Any

import gouvconnect
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from gouvconnect.django import conf
from gouvconnect.django.backends import GouvConnectBackend
from gouvconnect.django.models import ProviderLink
from harness import ROOT


def pc_identity(**changes: Any) -> dict[str, Any]:
    vector = ROOT / "tests" / "vectors" / "pc_rs256_full_claims.json"
    identity = json.loads(vector.read_text())["expected"]["identity"]
    identity.update(changes)
    return identity


def login_of(identity: dict[str, Any]) -> gouvconnect.Login:
    return gouvconnect.Login(identity, "id.token.x", "at", None, 60, None)


def entry(**extra: Any) -> dict[str, Any]:
    secret = "my-secret-0123456789"
    return {"environment": "integration", "client_id": "my-client", "client_secret": secret, **extra}


def sign_in(backend: GouvConnectBackend, identity: dict[str, Any] | None = None) -> Any:
    return backend.authenticate(
        None, gouvconnect_login=login_of(identity or pc_identity()), gouvconnect_provider="proconnect"
    )


MAPPING = {
    "fields": {"email": "email", "last_name": "family_name"},
    "groups": [{"group": "agents", "field": "proconnect.siret", "prefix": ""}],
}


class MozillaStyle(GouvConnectBackend):
    """Every hook overridden with mozilla-django-oidc's signature."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def verify_claims(self, claims: Any) -> bool:
        self.calls.append("verify_claims")
        return claims.get("email", "").endswith("@example.gouv.fr") or "refuse" not in claims.get("email", "")

    def filter_users_by_claims(self, claims: Any) -> Any:
        self.calls.append("filter_users_by_claims")
        return get_user_model().objects.filter(username="legacy-" + claims["email"].split("@")[0])

    def get_username(self, claims: Any) -> str:
        self.calls.append("get_username")
        return "pc-" + claims["sub"][:20]

    def create_user(self, claims: Any) -> Any:
        self.calls.append("create_user")
        assert self.mapped_user is not None and self.provider_settings is not None
        user = super().create_user(claims)
        user.first_name = "created"
        user.save()
        return user

    def update_user(self, user: Any, claims: Any) -> Any:
        self.calls.append("update_user")
        user = super().update_user(user, claims)
        user.first_name = "updated"
        user.save()
        return user


@pytest.mark.django_db
def test_mozilla_style_hooks_are_called(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(mapping=MAPPING)}
    backend = MozillaStyle()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        user = sign_in(backend)
        assert user is not None
        assert backend.calls == ["verify_claims", "create_user", "get_username"]
        assert user.username == "pc-" + pc_identity()["sub"][:20]
        assert user.first_name == "created"
        assert user.email == pc_identity()["email"]
        assert list(user.groups.values_list("name", flat=True)) == ["agents"]

        again = MozillaStyle()
        assert sign_in(again, pc_identity(family_name="Nouveau")) == user
        assert again.calls == ["verify_claims", "update_user"]
        user.refresh_from_db()
        assert user.first_name == "updated" and user.last_name == "Nouveau"


@pytest.mark.django_db
def test_verify_claims_false_refuses(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry()}

    class Refusing(GouvConnectBackend):
        def verify_claims(self, claims: Any) -> bool:
            return bool(claims.get("proconnect", {}).get("siret") == "nope")

    assert sign_in(Refusing()) is None
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_filter_users_by_claims_drives_the_email_fallback(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(email_fallback=True)}
    email = pc_identity()["email"]
    legacy = get_user_model().objects.create(username="legacy-" + email.split("@")[0], email="other@x.fr")
    get_user_model().objects.create(username="same-email", email=email)
    backend = MozillaStyle()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert sign_in(backend) == legacy
    assert "filter_users_by_claims" in backend.calls
    assert ProviderLink.objects.get(user=legacy).sub == pc_identity()["sub"]


@pytest.mark.django_db
def test_hooks_called_outside_a_login_use_the_claims_provider(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(mapping=MAPPING)}
    backend = GouvConnectBackend()
    user = backend.create_user(pc_identity())
    assert user.username == f"proconnect:{pc_identity()['sub']}"
    assert list(user.groups.values_list("name", flat=True)) == ["agents"]
    assert backend.update_user(user, pc_identity(family_name="Autre")).last_name == "Autre"


class FormerStyle(GouvConnectBackend):
    """The hooks as they were named and signed before."""

    def verify_claims(self, identity: Any, settings: Any) -> bool:
        assert settings.name == "proconnect"
        return True

    def filter_users(self, identity: Any, mapped: Any, settings: Any) -> Any:
        return get_user_model().objects.filter(username="legacy")

    def get_username(self, identity: Any, mapped: Any) -> str:
        return "former-" + mapped.fields["last_name"]

    def create_user(self, identity: Any, mapped: Any, settings: Any) -> Any:
        user = super().create_user(identity, mapped, settings)
        user.first_name = "former-created"
        user.save()
        return user

    def update_user(self, user: Any, identity: Any, mapped: Any, settings: Any) -> Any:
        user = super().update_user(user, identity, mapped, settings)
        user.first_name = "former-updated"
        user.save()
        return user


@pytest.mark.django_db
def test_former_hook_signatures_still_work_with_a_deprecation_warning(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(mapping=MAPPING)}
    with pytest.warns(DeprecationWarning) as caught:
        user = sign_in(FormerStyle())
    assert user is not None
    assert user.username == "former-" + pc_identity()["family_name"]
    assert user.first_name == "former-created"
    assert list(user.groups.values_list("name", flat=True)) == ["agents"]
    text = " ".join(str(w.message) for w in caught)
    for name in ("verify_claims", "create_user", "get_username"):
        assert name in text, name

    with pytest.warns(DeprecationWarning) as caught:
        assert sign_in(FormerStyle(), pc_identity(family_name="Nouveau")) == user
    assert any("update_user" in str(w.message) for w in caught)
    user.refresh_from_db()
    assert user.first_name == "former-updated" and user.last_name == "Nouveau"


@pytest.mark.django_db
def test_former_filter_users_still_drives_the_email_fallback(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(email_fallback=True)}
    legacy = get_user_model().objects.create(username="legacy", email="other@x.fr")
    with pytest.warns(DeprecationWarning) as caught:
        assert sign_in(FormerStyle()) == legacy
    assert any("filter_users_by_claims" in str(w.message) for w in caught)


def test_the_migration_guide_example_resolves() -> None:
    # bindings-python/README.md, "Migrating from mozilla-django-oidc or django-lasuite".
    resolved = conf.parse_provider(
        "proconnect",
        {
            "environment": "integration",
            "OIDC_RP_CLIENT_ID": "my-client",
            "OIDC_RP_CLIENT_SECRET": "my-secret-0123456789",
            "OIDC_RP_SCOPES": "openid email given_name usual_name siret",
            "acr": "eidas1",
        },
    )
    assert resolved.client_config == {
        "environment": "integration",
        "client_id": "my-client",
        "client_secret": "my-secret-0123456789",
        "scopes": ["openid", "email", "given_name", "usual_name", "siret"],
        "provider": "proconnect",
        "policy": {"acr": "eidas1"},
    }
    config = {**resolved.client_config, "redirect_uri": "https://app.example/auth/callback"}
    assert gouvconnect.Client(config, discover=False).provider == "proconnect"


def test_calling_the_former_base_hook_warns(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry()}
    backend = GouvConnectBackend()
    with pytest.warns(DeprecationWarning, match="verify_claims"):
        assert backend.verify_claims(pc_identity(), None) is True
    with pytest.warns(DeprecationWarning, match="get_username"):
        assert backend.get_username(pc_identity(), None).startswith("proconnect:")


@pytest.mark.django_db
def test_the_default_backend_warns_nothing(settings: Any) -> None:
    settings.GOUVCONNECT = {"proconnect": entry(mapping=MAPPING, email_fallback=True)}
    Group.objects.create(name="agents")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        user = sign_in(GouvConnectBackend())
        assert user is not None
        assert sign_in(GouvConnectBackend()) == user
