"""ProConnect, Pro Santé Connect, FranceConnect and FranceConnect+ login, on the gouvconnect
Rust core.

>>> client = Client({"provider": "proconnect", "environment": "integration",
...                  "client_id": "id", "client_secret": "secret",
...                  "redirect_uri": "https://app.example/auth/callback"})
>>> login = client.begin_login(next="/dossiers")
>>> login.url.startswith("https://fca.integ01.dev-agentconnect.fr/api/v2/authorize?")
True

Keep ``login.pending`` (a string) in the user's session; on the callback call
``client.complete_login(pending, request_query_string)`` to get a :class:`Login`.
Every failure raises a :class:`GouvConnectError` subclass carrying the stable ``code``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, cast

from . import _native
from .errors import ERROR_CLASSES, GouvConnectError, error_class, http_status

__all__ = [
    "BUTTON_CSS",
    "ERROR_CLASSES",
    "AuditEvent",
    "AuthorizationRequest",
    "Client",
    "DoctorCheck",
    "DoctorReport",
    "EventKind",
    "FranceConnectIdentity",
    "GouvConnectError",
    "Identity",
    "Login",
    "MappedUser",
    "Verdict",
    "Mapping",
    "acr_satisfies",
    "audit_event",
    "button_html",
    "doctor",
    "email_trusted",
    "error_class",
    "error_page_html",
    "http_status",
    "is_page_view",
    "is_step_up",
    "is_support_link",
    "login_origin_redirect",
    "safe_next_path",
    "step_up_options",
    "practices",
    "provider_kind",
    "with_practice",
]

__version__: str = _native.__version__

#: The normalised identity (docs/architecture.md §4) as a plain dict: ``provider``, ``sub``, ``email``,
#: ``email_verified``, ``given_name``, ``family_name``, ``acr``, ``amr``, ``mfa`` (whether the
#: login used a second factor), ``proconnect``, ``prosanteconnect`` (with ``auth_mode``, e.g.
#: ``"CARD"``), ``franceconnect`` (a :class:`FranceConnectIdentity`, FranceConnect and
#: FranceConnect+ only), ``raw``. JSON-serialisable as is (e.g. for a session).
Identity = dict[str, Any]


class FranceConnectIdentity(TypedDict):
    """``identity["franceconnect"]``: the identité pivot of a FranceConnect or FranceConnect+
    login (docs/franceconnect.md). A claim the service did not ask for is ``None``."""

    #: Every given name, space-separated, as in the civil status.
    given_names: str | None
    #: The birth name, in capitals (``identity["family_name"]`` is the usage name when set).
    birth_name: str | None
    #: The usage name (``preferred_username``), when set.
    usual_name: str | None
    #: ``YYYY-MM-DD``; a date ending in ``-01`` may be presumed (unknown day or month).
    birthdate: str | None
    #: ``male`` or ``female``.
    gender: str | None
    #: INSEE code (COG) of the commune of birth; ``None`` for people born abroad.
    birthplace: str | None
    #: INSEE code (COG) of the country of birth, ``99100`` for France.
    birthcountry: str | None
    #: Whether ``birthcountry`` is ``99100``; ``None`` without ``birthcountry``.
    born_in_france: bool | None


#: The CSS of the official buttons (embed once per page).
BUTTON_CSS: str = _native.BUTTON_CSS

_LOGIN_OPTIONS = (
    "prompt",
    "login_hint",
    "idp_hint",
    "siret_hint",
    "acr",
    "require_mfa",
    "next",
    "step_up_sub",
)


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """Where to send the browser, and what to keep in the session until the callback."""

    url: str
    #: Opaque string holding the state, nonce and PKCE verifier of this login: keep it
    #: server-side (the session), never in a URL or a log.
    pending: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Login:
    """A completed and verified login."""

    identity: Identity
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int | None
    #: The checked local path to send the user to, if the login was started with ``next``.
    next: str | None
    #: Unix time after which the host session must end (the login's time plus the
    #: configuration's ``session_max_age_secs``, 12 h by default).
    session_expires_at: int = 0

    def __repr__(self) -> str:  # tokens never appear in a repr (and thus in logs)
        return f"Login(provider={self.identity.get('provider')!r}, sub=…, next={self.next!r})"

    @classmethod
    def _from_native(cls, data: dict[str, Any]) -> Login:
        return cls(
            identity=data["identity"],
            id_token=data["id_token"],
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_in=data.get("expires_in"),
            next=data.get("next"),
            session_expires_at=int(data.get("session_expires_at") or 0),
        )


def _json_bytes(value: str | bytes | MappingABC[str, Any]) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return json.dumps(value).encode()


class Client:
    """A relying party for one provider, built from a ``ClientConfig`` dict.

    Keys are the core's (``provider``, ``environment`` or ``issuer``, ``client_id``,
    ``client_secret``, ``redirect_uri``, ``post_logout_redirect_uri``, ``scopes``,
    ``policy``…; ``decryption_keys`` for FranceConnect+: the private keys as a JWKS JSON text or
    PEM, see :meth:`public_jwks`). With ``discover=True`` (default) the client does its own
    network I/O and, for a custom issuer, fetches the discovery document now.
    ``discover=False`` builds a sans-IO client (no network at all: custom-issuer endpoints
    derived by convention).

    Thread-safe: share one instance per provider across requests.
    """

    __slots__ = ("_native", "config")

    def __init__(self, config: MappingABC[str, Any], *, discover: bool = True) -> None:
        self.config: dict[str, Any] = dict(config)
        self._native = _native.NativeClient(json.dumps(self.config), discover)

    def __repr__(self) -> str:
        return f"Client(provider={self.provider!r}, issuer={self.issuer!r})"

    @property
    def provider(self) -> str:
        """``proconnect``, ``prosanteconnect``, ``franceconnect`` or ``franceconnect_plus``."""
        return self._native.provider

    @property
    def issuer(self) -> str:
        """The provider's issuer."""
        return self._native.issuer

    @property
    def networked(self) -> bool:
        """Whether this client does network I/O (``discover=True``)."""
        return self._native.networked

    def public_jwks(self) -> str | None:
        """FranceConnect+: the public JWKS (JSON text: public members, ``kid``, ``use: enc``,
        never a private member) of the configured ``decryption_keys``. Serve it at the URL
        registered with FranceConnect+, which encrypts the tokens to one of these keys.
        ``None`` for the other providers."""
        return self._native.public_jwks()

    def set_jwks(self, jwks: str | bytes | MappingABC[str, Any]) -> None:
        """Replaces the cached key set (sans-IO use; networked clients fetch it themselves)."""
        self._native.set_jwks(_json_bytes(jwks))

    def begin_login(
        self,
        *,
        prompt: str | None = None,
        login_hint: str | None = None,
        idp_hint: str | None = None,
        siret_hint: str | None = None,
        acr: str | None = None,
        require_mfa: bool | None = None,
        next: str | None = None,  # noqa: A002 - the OIDC hosts' name for it
        step_up_sub: str | None = None,
        extra_params: Sequence[tuple[str, str]] = (),
    ) -> AuthorizationRequest:
        """Starts a login. ``next`` is kept only when it is a local path. ``step_up_sub``: the
        ``sub`` that must come back (a step-up, see :func:`step_up_options`); another account
        is refused with ``step_up_user_mismatch``."""
        values = locals()
        options: dict[str, Any] = {k: values[k] for k in _LOGIN_OPTIONS if values[k] is not None}
        options["extra_params"] = [list(p) for p in extra_params]
        url, pending = self._native.begin_login(json.dumps(options))
        return AuthorizationRequest(url=url, pending=pending)

    def complete_login(self, pending: str, query: str) -> Login:
        """Completes a login from the callback's query string (network; releases the GIL)."""
        return Login._from_native(self._native.complete_login(pending, query))

    def refresh(self, identity: Identity, refresh_token: str, session_expires_at: int) -> Login:
        """Renews a session with its refresh token (network; releases the GIL): the same
        person's identity with the provider's current data, new tokens (keep the rotated
        ``refresh_token`` server-side) and ``session_expires_at`` unchanged. Raises
        ``LoginRequired`` when the provider's session ended (``invalid_grant``) or the session
        reached its end, ``RefreshUserMismatch`` when another ``sub`` comes back, and the
        policy's refusals as at login."""
        return Login._from_native(
            self._native.refresh(json.dumps(identity), refresh_token, int(session_expires_at))
        )

    def parse_callback(self, pending: str, query: str, now: int | None = None) -> str:
        """Sans-IO: checks the callback query and returns the authorization code."""
        return self._native.parse_callback(pending, query, now)

    def finish_login(
        self,
        pending: str,
        token_response: str | bytes | MappingABC[str, Any],
        userinfo_content_type: str | None,
        userinfo_body: str | bytes | None,
        now: int | None = None,
    ) -> Login:
        """Sans-IO: verifies a token response and userinfo obtained by the caller."""
        body = userinfo_body.encode() if isinstance(userinfo_body, str) else userinfo_body
        data = self._native.finish_login(
            pending, _json_bytes(token_response), userinfo_content_type, body, now
        )
        return Login._from_native(data)

    def logout_request(self, id_token_hint: str | None = None) -> tuple[str, str] | None:
        """``(url, pending)`` of the provider's end-session redirect, or ``None`` when the
        provider has none (then log out locally). Keep ``pending`` for the logout callback."""
        return self._native.logout_request(id_token_hint)

    def verify_logout_callback(self, pending: str, query: str) -> None:
        """Checks the ``state`` returned to the post-logout redirect URI."""
        self._native.verify_logout_callback(pending, query)

    def fetch_discovery(self) -> dict[str, Any]:
        """Network: fetches the discovery document and checks it against the configuration."""
        return self._native.fetch_discovery()

    def refresh_jwks(self) -> None:
        """Network: fetches the provider's key set now."""
        self._native.refresh_jwks()


@dataclass(frozen=True, slots=True)
class MappedUser:
    """The result of a :class:`Mapping`: user fields and groups."""

    fields: dict[str, str | None]
    groups: list[str]


class Mapping:
    """Declarative mapping of an identity to user fields and groups (rules of the core).

    ``{"fields": {"email": "email", "last_name": "family_name"},
    "groups": [{"group": "medecins", "field": "prosanteconnect.exercices[].profession_code",
    "equals": "10"}]}``. ``None`` gives the default (email, first and last name).
    """

    __slots__ = ("_native",)

    def __init__(self, rules: MappingABC[str, Any] | None = None) -> None:
        self._native = _native.NativeMapping(None if rules is None else json.dumps(rules))

    def apply(self, identity: Identity) -> MappedUser:
        """Applies the rules to an identity."""
        data = self._native.apply(json.dumps(identity))
        return MappedUser(fields=data["fields"], groups=data["groups"])

    def fixed_groups(self) -> list[str]:
        """The group names the rules grant as written (no ``{path}`` template): the groups a
        user may lose when memberships are kept in sync. A templated group is never removed on
        the rules' behalf, its name depending on the identity."""
        return self._native.fixed_groups()


def safe_next_path(next: str | None) -> str | None:  # noqa: A002
    """``next`` when it is a path on this site, ``None`` otherwise (open-redirect guard)."""
    if not next:
        return None
    return _native.safe_next_path(next)


def login_origin_redirect(redirect_uri: str, request_url: str) -> str | None:
    """``request_url`` moved to ``redirect_uri``'s origin when the two differ, else ``None``.

    A login started on ``127.0.0.1`` whose redirect URI is on ``localhost`` would come back
    without its session cookie: send the browser to the returned URL first. Moves at most once
    (the URL carries a marker) and never between ``http`` and ``https`` (a TLS-terminating proxy).
    """
    return _native.login_origin_redirect(redirect_uri, request_url)


def acr_satisfies(provider: str, acr: str | None, minimum: str | None = None, mfa: bool = False) -> bool:
    """Whether ``acr`` (as returned by ``provider``) meets ``minimum`` (and MFA) by the core's
    ranking of the provider's levels."""
    return _native.acr_satisfies(provider, acr, minimum, mfa)


def step_up_options(identity: Identity, acr: str) -> dict[str, Any]:
    """The :meth:`Client.begin_login` keyword arguments that re-authenticate the signed-in
    ``identity`` at ``acr`` (ProConnect ``eidas2``, certification dirigeant…; Pro Santé Connect
    ``eidas2``, a card login), by the core's rule: ``acr`` as the login's minimum, ProConnect's
    ``login_hint`` set to the user's email (the email page is skipped), ``prompt="login"`` at Pro
    Santé Connect, and ``step_up_sub``: the same person must come back, else
    ``StepUpUserMismatch`` (403).

    >>> options = step_up_options(login.identity, "eidas2")  # doctest: +SKIP
    >>> client.begin_login(**options, next="/signer")  # doctest: +SKIP
    """
    data = _native.step_up_options(json.dumps(identity), acr)
    return {k: v for k, v in data.items() if k in _LOGIN_OPTIONS and v is not None}


def is_page_view(method: str, headers: MappingABC[str, str]) -> bool:
    """Whether a request is a person's browser asking to display a page — the only requests a
    redirect to the provider may answer (silent login, session renewal) — by the core's rule:
    a ``GET``, no ``X-Requested-With``, no prefetch, Fetch Metadata (when sent) saying a
    navigation to a document, else an ``Accept`` naming ``text/html`` (or none).
    ``headers``: a case-insensitive mapping such as Django's ``request.headers``."""
    return _native.is_page_view(method, [headers.get(name) for name in _native.PAGE_VIEW_HEADERS])


def is_step_up(previous: Identity, identity: Identity) -> bool:
    """Whether ``identity``, just logged in, is a step-up of the session's ``previous`` identity:
    the same person (provider and ``sub``) at a different acr that satisfies the previous one."""
    return _native.is_step_up(json.dumps(previous), json.dumps(identity))


def email_trusted(identity: Identity) -> bool:
    """Whether a local account may treat ``identity``'s email as verified (e.g. to link an
    existing account by email), by the core's rule: the provider said so, or ProConnect did not
    mark it unverified. FranceConnect's email is not verified by the provider: ``False``."""
    return _native.email_trusted(json.dumps(identity))


def is_support_link(link: str) -> bool:
    """Whether ``link`` may be offered as the error pages' support link: an http(s) URL, a
    ``mailto:`` link or a local path (never ``javascript:`` or ``//host``)."""
    return _native.is_support_link(link)


def practices(identity: Identity) -> list[dict[str, Any]]:
    """Pro Santé Connect: every practice of ``identity``, one per exercice × activity (empty for
    ProConnect). Each is the exercice and the activity flattened into one dict, with the French
    labels (``profession_label``, ``savoir_faire_label``, ``sector_label``…) and an ``id`` stable
    across logins."""
    return _native.practices(json.dumps(identity))


def with_practice(identity: Identity, id: str) -> Identity:  # noqa: A002
    """``identity`` acting for the practice ``id`` (one of :func:`practices`): a copy with
    ``identity["practice"]`` set, which mapping rules read as ``practice.…``. An unknown id raises
    ``InvalidRequest``."""
    return _native.with_practice(json.dumps(identity), id)


def provider_kind(provider: str) -> str:
    """The canonical name of ``provider`` (``fc`` → ``franceconnect``, ``fcplus`` →
    ``franceconnect_plus``, ``psc`` → ``prosanteconnect``…); ``InvalidConfig`` when unknown."""
    return _native.provider_kind(provider)


def button_html(provider: str, action: str, next: str | None = None) -> str:  # noqa: A002
    """The official button of ``provider`` as HTML: a GET form to ``action``."""
    return _native.button_html(provider, action, next)


def error_page_html(code: str, home: str = "/") -> str:
    """A self-contained error page naming the stable ``code``."""
    return _native.error_page_html(code, home)


#: The verdict of a doctor check.
Verdict = Literal["pass", "warn", "fail", "skip"]


@dataclass(frozen=True, slots=True)
class DoctorCheck:
    """One line of a :class:`DoctorReport`."""

    #: Stable identifier (scripts key on it): ``configuration``, ``redirect_uri``,
    #: ``post_logout_redirect_uri``, ``discovery``, ``issuer``, ``endpoints``, ``clock``,
    #: ``algorithms``, ``token_auth_method``, ``scopes``, ``acr``, ``encryption`` (FranceConnect+:
    #: the client's keys against the provider's algorithms), ``jwks``, ``credentials``,
    #: ``client_certificate``.
    id: str
    verdict: Verdict
    #: What was found.
    message: str
    #: What to do about it (warnings and failures).
    fix: str | None


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """The going-live checks of one provider's configuration against the live provider."""

    #: ``proconnect``, ``prosanteconnect``, ``franceconnect`` or ``franceconnect_plus``.
    provider: str
    #: The preset environment, ``None`` for a custom issuer.
    environment: str | None
    issuer: str
    #: No check failed (warnings allowed).
    ok: bool
    checks: list[DoctorCheck]
    #: The report for a person (one line a check, the fix below each warning or failure).
    text: str = field(repr=False)
    #: The report as JSON (for scripts).
    json: str = field(repr=False)

    def check(self, id: str) -> DoctorCheck | None:  # noqa: A002 - the check's field name
        """The check of that ``id``, or ``None`` when it was not run."""
        return next((c for c in self.checks if c.id == id), None)

    @property
    def failures(self) -> list[DoctorCheck]:
        """The checks that failed."""
        return [c for c in self.checks if c.verdict == "fail"]


def doctor(
    config: MappingABC[str, Any] | str,
    *,
    mounted_redirect_uris: Sequence[str] = (),
    mounted_post_logout_redirect_uris: Sequence[str] = (),
) -> DoctorReport:
    """Runs the going-live checks of a client configuration (the :class:`Client` dict, or its
    JSON) against the live provider: discovery, issuer, endpoint hosts, clock skew, algorithms,
    token authentication method, scopes, acr, keys, the credentials (a token request with a
    deliberately invalid code must be refused ``invalid_grant``, not ``invalid_client``), the
    redirect URIs and, for mutual TLS, the client certificate.

    ``mounted_redirect_uris`` / ``mounted_post_logout_redirect_uris``: the absolute URLs at which
    the application really serves its callbacks; when given, the configured URIs must be among
    them. A failed check is a line of the report, never an exception; only a configuration that
    is not even a configuration (unknown key, wrong type) raises ``InvalidConfig``. Network:
    releases the GIL.
    """
    config_json = config if isinstance(config, str) else json.dumps(dict(config))
    options = {
        "mounted_redirect_uris": list(mounted_redirect_uris),
        "mounted_post_logout_redirect_uris": list(mounted_post_logout_redirect_uris),
    }
    data = _native.doctor(config_json, json.dumps(options))
    return DoctorReport(
        provider=data["provider"],
        environment=data.get("environment"),
        issuer=data["issuer"],
        ok=bool(data["ok"]),
        checks=[
            DoctorCheck(id=c["id"], verdict=c["verdict"], message=c["message"], fix=c.get("fix"))
            for c in data["checks"]
        ],
        text=data["text"],
        json=data["json"],
    )


EventKind = Literal["login_succeeded", "login_refused", "logout", "step_up", "account_linked"]


class AuditEvent(TypedDict, total=False):
    """A login event, the same fields in every host (absent when unknown). Never a token,
    secret, authorization code, state or nonce."""

    event: EventKind
    provider: str
    client_id: str
    sub: str
    acr: str
    idp_id: str
    siret: str
    #: The stable code of a refusal.
    code: str
    #: The provider's OAuth error, for a refusal the provider reported.
    provider_error: str


def audit_event(
    event: EventKind,
    provider: str,
    client_id: str,
    *,
    identity: Identity | None = None,
    code: str | None = None,
    provider_error: str | None = None,
) -> AuditEvent:
    """Builds a login event by the core's rules (``sub``, ``acr``, ``idp_id`` and ``siret``
    from ``identity``; ``code`` and ``provider_error`` for ``login_refused`` only)."""
    identity_json = None if identity is None else json.dumps(identity)
    data = _native.audit_event(event, provider, client_id, identity_json, code, provider_error)
    return cast(AuditEvent, data)


# The subclasses, e.g. ``gouvconnect.StateMismatch``.
for _cls in ERROR_CLASSES.values():
    globals()[_cls.__name__] = _cls
    __all__.append(_cls.__name__)
