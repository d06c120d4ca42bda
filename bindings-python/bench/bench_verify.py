"""`make bench-micro` (Python part): one callback verification through the gouvconnect wheel,
side by side with PyJWT and joserfc doing the same work, and the floor (the two raw signature
checks with `cryptography`, i.e. OpenSSL).

The same work for every contender, on the shared vectors (fixed keys, tokens and `now`):
parse the pending login and the token response; verify the id_token (signature with the JWKS
key named by `kid`, iss, aud, azp, exp, iat with 30 s leeway, nonce); verify the signed userinfo
JWT (signature, iss, aud) and that its `sub` equals the id_token's; build the identity
(docs/architecture.md §4). Each peer's identity is checked once against the vector's expected
identity, so a peer cannot win by skipping work.

Measurements are interleaved (ours, PyJWT, joserfc, floor, in a rotating order each round) so
the noise of a shared machine hits every contender alike; medians over the rounds are reported
with the spread (min–max).
"""

from __future__ import annotations

import base64
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gouvconnect
import joserfc
import jwt as pyjwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from joserfc import jwt as rfc_jwt
from joserfc.jwk import KeySet

ROOT = Path(__file__).resolve().parents[2]
VECTORS = {"ES256": "pc_es256", "RS256": "pc_rs256_full_claims"}
ROUNDS = 9
ROUND_SECONDS = 0.12
LEEWAY = 30
NO_CLOCK = {"verify_exp": False, "verify_iat": False}
# ProConnect's acr values that mean a multi-factor login (docs/architecture.md §4).
MFA_ACR = {"eidas0-mfa", "eidas1-mfa", "eidas2", "eidas3"}


def load(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "tests" / "vectors" / f"{name}.json").read_text())


class Refused(Exception):
    """A peer's claim check failed (never expected on these vectors)."""


# --- The identity, as the core builds it for ProConnect (claims.rs `normalise`). -------------


def normalise(id_claims: dict[str, Any], userinfo: dict[str, Any]) -> dict[str, Any]:
    def text(claims: dict[str, Any], name: str) -> str | None:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value
        return None

    def get(name: str) -> str | None:
        return text(userinfo, name) or text(id_claims, name)

    def bool_like(value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        return None

    custom = userinfo.get("custom")
    custom = dict(custom) if isinstance(custom, dict) else {}
    verified = userinfo.get("email_verified", id_claims.get("email_verified"))
    email_verified = bool_like(verified)
    if email_verified is None:
        email_verified = bool_like(custom.get("email_verified"))
    siret = get("siret")
    matricule, societe = get("chorusdt:matricule"), get("chorusdt:societe")
    roles = userinfo.get("roles", id_claims.get("roles")) or []
    amr = [a for a in id_claims.get("amr") or [] if isinstance(a, str)]
    return {
        "provider": "proconnect",
        "sub": id_claims["sub"],
        "email": get("email"),
        "email_verified": email_verified,
        "given_name": get("given_name"),
        "family_name": get("usual_name") or get("family_name"),
        "acr": text(id_claims, "acr"),
        "amr": amr,
        # Whether this login used MFA (docs/architecture.md §4): ProConnect's MFA levels or `mfa`.
        "mfa": text(id_claims, "acr") in MFA_ACR or "mfa" in amr,
        "proconnect": {
            "uid": get("uid"),
            "siret": "".join(siret.split()) if siret else None,
            "siren": get("siren"),
            "organizational_unit": get("organizational_unit"),
            "organization_label": get("organization_label"),
            "belonging_population": get("belonging_population"),
            "phone_number": get("phone_number"),
            "roles": [r for r in roles if isinstance(r, str)],
            "chorusdt": {"matricule": matricule, "societe": societe}
            if matricule or societe
            else None,
            "idp_id": get("idp_id"),
            "idp_acr": get("idp_acr"),
            "custom": custom,
        },
        "prosanteconnect": None,
        "raw": {"id_token": id_claims, "userinfo": userinfo},
    }


def check_claims(
    claims: dict[str, Any], issuer: str, client_id: str, nonce: str, now: int
) -> None:
    """What the JWT libraries do not check for us: azp, iat, nonce (PyJWT also does iss/aud/exp;
    they are checked again here for joserfc, whose claim registry is slower)."""
    if claims.get("iss") != issuer:
        raise Refused("iss")
    aud = claims.get("aud")
    if not (aud == client_id or (isinstance(aud, list) and client_id in aud)):
        raise Refused("aud")
    if "azp" in claims and claims["azp"] != client_id:
        raise Refused("azp")
    if not isinstance(claims.get("exp"), int) or claims["exp"] + LEEWAY < now:
        raise Refused("exp")
    if not isinstance(claims.get("iat"), int) or claims["iat"] - LEEWAY > now:
        raise Refused("iat")
    if claims.get("nonce") != nonce:
        raise Refused("nonce")


class Case:
    """One vector, prepared for every contender."""

    def __init__(self, alg: str, vector: dict[str, Any]) -> None:
        self.alg = alg
        self.vector = vector
        config = vector["config"]
        self.issuer: str = config["issuer"]
        self.client_id: str = config["client_id"]
        self.now: int = vector["now"]
        self.pending = json.dumps(vector["pending"])
        self.token_response = json.dumps(vector["token_response"]).encode()
        self.content_type: str = vector["userinfo"]["content_type"]
        self.userinfo = vector["userinfo"]["body"].encode()
        self.expected = vector["expected"]["identity"]
        sig_keys = [k for k in vector["jwks"]["keys"] if k.get("use", "sig") == "sig"]

        self.client = gouvconnect.Client(config, discover=False)
        self.client.set_jwks(vector["jwks"])

        # Key sets parsed once, like the core's set_jwks.
        self.pyjwt_keys = {k["kid"]: pyjwt.PyJWK(k).key for k in sig_keys}
        self.rfc_keys = KeySet.import_key_set({"keys": sig_keys})

        # The floor: keys and signatures decoded beforehand, only the two verifications timed.
        id_token = vector["token_response"]["id_token"]
        kid = json.loads(b64(id_token.split(".")[0]))["kid"]
        public = pyjwt.PyJWK(next(k for k in sig_keys if k["kid"] == kid)).key
        self.floor_inputs = []
        for token in (id_token, vector["userinfo"]["body"]):
            signed, sig = token.rsplit(".", 1)
            raw = b64(sig)
            if alg == "ES256":
                raw = encode_dss_signature(
                    int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
                )
            self.floor_inputs.append((signed.encode(), raw))
        self.floor_key = public

    def ours(self) -> dict[str, Any]:
        return self.client.finish_login(
            self.pending, self.token_response, self.content_type, self.userinfo, now=self.now
        ).identity

    def _userinfo_ok(self) -> None:
        if not self.content_type.split(";")[0].strip() == "application/jwt":
            raise Refused("userinfo content type")

    def pyjwt(self) -> dict[str, Any]:
        nonce = json.loads(self.pending)["nonce"]
        tokens = json.loads(self.token_response)
        id_token = tokens["id_token"]
        key = self.pyjwt_keys[pyjwt.get_unverified_header(id_token)["kid"]]
        # exp/iat are checked against the vector's fixed `now` in check_claims (PyJWT reads the
        # clock).
        options = {"require": ["exp", "iat", "iss", "aud", "sub"], **NO_CLOCK}
        claims = pyjwt.decode(
            id_token, key, algorithms=[self.alg], audience=self.client_id,
            issuer=self.issuer, leeway=LEEWAY, options=options,
        )  # fmt: skip
        check_claims(claims, self.issuer, self.client_id, nonce, self.now)
        self._userinfo_ok()
        body = self.userinfo.decode()
        ukey = self.pyjwt_keys[pyjwt.get_unverified_header(body)["kid"]]
        info = pyjwt.decode(
            body, ukey, algorithms=[self.alg], audience=self.client_id,
            issuer=self.issuer, leeway=LEEWAY, options={"require": ["sub"], **NO_CLOCK},
        )  # fmt: skip
        if info["sub"] != claims["sub"]:
            raise Refused("sub")
        return normalise(claims, info)

    def joserfc(self) -> dict[str, Any]:
        nonce = json.loads(self.pending)["nonce"]
        tokens = json.loads(self.token_response)
        token = rfc_jwt.decode(tokens["id_token"], self.rfc_keys, algorithms=[self.alg])
        claims = token.claims
        check_claims(claims, self.issuer, self.client_id, nonce, self.now)
        self._userinfo_ok()
        info = rfc_jwt.decode(self.userinfo, self.rfc_keys, algorithms=[self.alg]).claims
        if info.get("iss") != self.issuer or info.get("aud") != self.client_id:
            raise Refused("userinfo iss/aud")
        if info.get("sub") != claims["sub"]:
            raise Refused("sub")
        return normalise(claims, info)

    def floor(self) -> None:
        key = self.floor_key
        if self.alg == "ES256":
            for data, sig in self.floor_inputs:
                key.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        else:
            for data, sig in self.floor_inputs:
                key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())


def b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def measure(fn: Callable[[], Any], seconds: float) -> float:
    """CPU µs per call (this thread's CPU time, so that other processes on the shared machine do
    not inflate the figure) over at least `seconds` of CPU time."""
    count, start = 0, time.thread_time()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn()
        count += 20
        now = time.thread_time()
        if now >= deadline:
            return (now - start) * 1e6 / count


def core_medians(path: str | None) -> dict[str, tuple[float, float]]:
    """The native core's medians (µs/op of finish_login and of the ring floor) written by
    core/examples/bench_micro.rs earlier in the same `make bench-micro` run."""
    if not path or not Path(path).exists():
        return {}
    rows = (line.split() for line in Path(path).read_text().splitlines() if line.strip())
    return {alg: (float(core), float(floor)) for alg, core, floor in rows}


def main() -> int:
    core = core_medians(sys.argv[1] if len(sys.argv) > 1 else None)
    print(
        f"Python {sys.version.split()[0]}: gouvconnect {gouvconnect.__version__}, "
        f"PyJWT {pyjwt.__version__}, joserfc {joserfc.__version__}, "
        f"cryptography {__import__('cryptography').__version__} "
        f"(OpenSSL {__import__('cryptography.hazmat.backends.openssl', fromlist=['backend']).backend.openssl_version_text()})"  # noqa: E501
    )
    print(
        f"{ROUNDS} interleaved rounds of {ROUND_SECONDS}s CPU per contender; "
        "medians (min–max) of thread CPU µs/op"
    )
    for alg, name in VECTORS.items():
        case = Case(alg, load(name))
        # Same work: every peer's identity equals ours and the vector's expectation.
        for label, fn in (("gouvconnect", case.ours), ("PyJWT", case.pyjwt), ("joserfc", case.joserfc)):
            if fn() != case.expected:
                print(f"{label} identity differs from the expected one on {name}")
                return 1
        contenders = {
            "gouvconnect (wheel)": case.ours,
            "PyJWT + cryptography": case.pyjwt,
            "joserfc": case.joserfc,
            "floor: 2 sig checks (cryptography)": case.floor,
        }
        names = list(contenders)
        for fn in contenders.values():  # warm-up
            measure(fn, 0.05)
        samples: dict[str, list[float]] = {n: [] for n in names}
        for r in range(ROUNDS):
            order = names[r % len(names):] + names[: r % len(names)]
            for n in order:
                samples[n].append(measure(contenders[n], ROUND_SECONDS))
        med = {n: statistics.median(s) for n, s in samples.items()}
        ours = med["gouvconnect (wheel)"]
        print(f"\n{alg} ({name}): id_token + signed userinfo + claims + identity")
        print(f"{'contender':<38} {'µs/op':>9} {'spread µs':>17} {'ops/s':>9} {'ours ×faster':>13}")
        for n in names:
            s = samples[n]
            spread = f"{min(s):.1f}–{max(s):.1f}"
            ratio = "" if n == names[0] else f"{med[n] / ours:.2f}×"
            print(f"{n:<38} {med[n]:>9.1f} {spread:>17} {1e6 / med[n]:>9.0f} {ratio:>13}")
        vs_pyjwt = med["PyJWT + cryptography"] / ours
        print(
            f"target ours ≥ 1.5× PyJWT: {vs_pyjwt:.2f}× "
            f"{'MET' if vs_pyjwt >= 1.5 else 'MISSED'}; "
            f"wheel/floor {ours / med['floor: 2 sig checks (cryptography)']:.2f}"
        )
        if alg in core:
            native = core[alg][0]
            within = ours / native
            print(
                f"binding vs native core ({native:.1f} µs/op, measured just before): {within:.2f}× "
                f"(target ≤ 1.2×: {'MET' if within <= 1.2 else 'MISSED'})"
            )
        print(f"BENCH python {alg} ours_us={ours:.2f} pyjwt_us={med['PyJWT + cryptography']:.2f} "
              f"joserfc_us={med['joserfc']:.2f} floor_us={med['floor: 2 sig checks (cryptography)']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
