"""Generates the FranceConnect and FranceConnect+ login vectors (tests/vectors/fc_*.json, fcp_*.json).

The same login format as the other shared vectors (tests/vectors/README.md), so every binding's
runner logs them in through `finish_login`. FranceConnect signs its id_token and userinfo (ES256
or RS256); FranceConnect+ signs them with ES256 and then encrypts them to one of the client's
public keys (RSA-OAEP or ECDH-ES, A256GCM; docs/franceconnect.md). The encryption here is written
with `cryptography`'s primitives, apart from the core's RustCrypto code, so that the two
implementations check each other.

The EXPECTED outcomes are written by hand: an identity is built from the signed claims by the
normalisation docs/franceconnect.md describes (identité pivot, usage name, birth place only for
people born in France, eIDAS levels), and each failure names the stable error code
docs/franceconnect.md or docs/architecture.md §5 gives for that defect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, keywrap, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

# The login's constants are the other vectors' (same client, redirect URI, state and nonce).
from generate import CLIENT_ID, NONCE, NOW, REDIRECT, SECRET, pending

FC_ISS = "http://127.0.0.1:4000/franceconnect/api/v2"
FCP_ISS = "http://127.0.0.1:4000/franceconnect-plus/api/v2"
ISSUERS = {"franceconnect": FC_ISS, "franceconnect_plus": FCP_ISS}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64(n: int, size: int | None = None) -> str:
    return b64(n.to_bytes(size or (n.bit_length() + 7) // 8, "big"))


def compact(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def rsa_public(key: rsa.RSAPrivateKey, kid: str, use: str, alg: str | None) -> dict:
    n = key.public_key().public_numbers()
    jwk = {"kty": "RSA", "kid": kid, "use": use, "n": int_b64(n.n), "e": int_b64(n.e)}
    if alg:
        jwk["alg"] = alg
    return jwk


def rsa_private(key: rsa.RSAPrivateKey, kid: str) -> dict:
    p = key.private_numbers()
    return rsa_public(key, kid, "enc", None) | {
        "d": int_b64(p.d), "p": int_b64(p.p), "q": int_b64(p.q),
        "dp": int_b64(p.dmp1), "dq": int_b64(p.dmq1), "qi": int_b64(p.iqmp)}


def ec_public(key: ec.EllipticCurvePrivateKey, kid: str | None, use: str | None, alg: str | None) -> dict:
    n = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": int_b64(n.x, 32), "y": int_b64(n.y, 32)}
    for name, value in (("kid", kid), ("use", use), ("alg", alg)):
        if value:
            jwk[name] = value
    return jwk


def ec_private(key: ec.EllipticCurvePrivateKey, kid: str) -> dict:
    return ec_public(key, kid, "enc", None) | {"d": int_b64(key.private_numbers().private_value, 32)}


class Keys:
    def __init__(self) -> None:
        # The federation's signing keys.
        self.sig_ec = ec.generate_private_key(ec.SECP256R1())
        self.sig_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # The client's encryption keys: an RSA and an EC key, plus a second RSA key of a rotation.
        self.enc_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.enc_rsa_next = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.enc_ec = ec.generate_private_key(ec.SECP256R1())
        # A key the client never configured.
        self.stranger = ec.generate_private_key(ec.SECP256R1())

    def jwks(self) -> dict:
        return {"keys": [ec_public(self.sig_ec, "fc-es256", "sig", "ES256"),
                         rsa_public(self.sig_rsa, "fc-rs256", "sig", "RS256")]}

    def decryption_keys(self) -> dict:
        return {"keys": [rsa_private(self.enc_rsa, "client-rsa"),
                         rsa_private(self.enc_rsa_next, "client-rsa-next"),
                         ec_private(self.enc_ec, "client-ec")]}


def sign(keys: Keys, claims: dict | str, alg: str = "ES256", kid: str | None = "fc-es256", key=None) -> str:
    header = {"alg": alg, "typ": "JWT"}
    if kid:
        header["kid"] = kid
    payload = claims.encode() if isinstance(claims, str) else compact(claims)
    signing_input = f"{b64(compact(header))}.{b64(payload)}".encode()
    if alg == "ES256":
        r, s = decode_dss_signature((key or keys.sig_ec).sign(signing_input, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "RS256":
        sig = (key or keys.sig_rsa).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "HS256":
        sig = hmac.new(SECRET.encode(), signing_input, hashlib.sha256).digest()
    else:
        raise ValueError(alg)
    return f"{signing_input.decode()}.{b64(sig)}"


def concat_kdf(shared: bytes, algorithm_id: str, apu: bytes = b"", apv: bytes = b"") -> bytes:
    def field(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data
    other = field(algorithm_id.encode()) + field(apu) + field(apv) + (256).to_bytes(4, "big")
    return ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=other).derive(shared)


def encrypt(plaintext: str, alg: str, to, *, kid: str | None, enc: str = "A256GCM",
            extra: dict | None = None, cek_len: int = 32) -> str:
    """RFC 7516 compact serialisation of `plaintext` for the public half of `to`."""
    header = {"alg": alg, "enc": enc}
    if kid:
        header["kid"] = kid
    header["cty"] = "JWT"
    cek = os.urandom(cek_len)
    if alg in ("RSA-OAEP", "RSA-OAEP-256", "RSA1_5"):
        if alg == "RSA1_5":
            pad = padding.PKCS1v15()
        else:
            h = hashes.SHA1() if alg == "RSA-OAEP" else hashes.SHA256()
            pad = padding.OAEP(mgf=padding.MGF1(h), algorithm=h, label=None)
        encrypted_key = to.public_key().encrypt(cek, pad)
    elif alg in ("ECDH-ES", "ECDH-ES+A256KW"):
        eph = ec.generate_private_key(ec.SECP256R1())
        header["epk"] = ec_public(eph, None, None, None)
        shared = eph.exchange(ec.ECDH(), to.public_key())
        if alg == "ECDH-ES":
            cek = concat_kdf(shared, enc)
            encrypted_key = b""
        else:
            encrypted_key = keywrap.aes_key_wrap(concat_kdf(shared, alg), cek)
    else:
        raise ValueError(alg)
    header.update(extra or {})
    protected = b64(compact(header))
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, plaintext.encode(), protected.encode())
    ciphertext, tag = sealed[:-16], sealed[-16:]
    return ".".join([protected, b64(encrypted_key), b64(iv), b64(ciphertext), b64(tag)])


def flip(token: str, part: int) -> str:
    """Flips one bit in the middle of a part (still valid base64url)."""
    parts = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(parts[part] + "=" * (-len(parts[part]) % 4)))
    raw[len(raw) // 2] ^= 0x01
    parts[part] = b64(bytes(raw))
    return ".".join(parts)


def thumbprint(jwk: dict) -> str:
    """RFC 7638 thumbprint: the `kid` of a key configured as PEM (docs/franceconnect.md)."""
    members = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({m: jwk[m] for m in members}, sort_keys=True, separators=(",", ":"))
    return b64(hashlib.sha256(canonical.encode()).digest())


def pem_keys(keys: Keys) -> str:
    """The client's RSA key as PKCS#1 and its EC key as PKCS#8, concatenated (a PEM bundle)."""
    rsa_pem = keys.enc_rsa.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption())
    ec_pem = keys.enc_ec.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
    return (rsa_pem + ec_pem).decode()


# --- the identité pivot (docs/franceconnect.md, "Scopes and the identité pivot") ----------------

FRANCE_COG = "99100"

# The levels a login accepts by default (what begin_login puts in the pending login):
# FranceConnect is the low level only; FranceConnect+ answers eidas2 or eidas3 and refuses eidas1
# (docs/franceconnect.md "eIDAS levels").
DEFAULT_LEVELS = {"franceconnect": ["eidas1"], "franceconnect_plus": ["eidas2", "eidas3"]}

# Substantial and high are multi-factor levels (eIDAS); FranceConnect's low level is not.
MFA_LEVELS = {"franceconnect": set(), "franceconnect_plus": {"eidas2", "eidas3"}}


def sub(seed: str) -> str:
    # FranceConnect's sub: 64 hexadecimal characters and a version suffix.
    return hashlib.sha256(seed.encode()).hexdigest() + "v1"


def id_claims(iss: str, acr: str | None, seed: str, **over) -> dict:
    claims = {"iss": iss, "sub": sub(seed), "aud": CLIENT_ID, "exp": NOW + 60, "iat": NOW,
              "nonce": NONCE, "acr": acr, "amr": ["pwd"], "auth_time": NOW - 5, "idp_id": "fip1"}
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def born_in_paris(iss: str, seed: str, **over) -> dict:
    claims = {"iss": iss, "aud": CLIENT_ID, "iat": NOW, "exp": NOW + 60, "sub": sub(seed),
              "given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24",
              "gender": "female", "birthplace": "75107", "birthcountry": "99100",
              "email": "angela.dubois@example.org"}
    claims.update(over)
    return claims


def born_abroad(iss: str, seed: str) -> dict:
    return {"iss": iss, "aud": CLIENT_ID, "iat": NOW, "exp": NOW + 60, "sub": sub(seed),
            "given_name": "Pedro", "family_name": "GARCIA LOPEZ", "birthdate": "1985-01-01",
            "gender": "male", "birthplace": "", "birthcountry": "99134",
            "email": "pedro.garcia@example.org"}


def fc_identity(provider: str, idc: dict, ui: dict) -> dict:
    """The identity the documentation gives for these claims: identity claims from the userinfo
    (the id_token as a fallback, an empty string counts as absent); the usage name
    (`preferred_username`) when set, else the birth name; a birth place only for a person born
    in France (FranceConnect leaves it empty otherwise); no `email_verified` from FranceConnect,
    so the email is not vouched for (null)."""
    def claim(name: str) -> str | None:
        for source in (ui, idc):
            value = source.get(name)
            if isinstance(value, str) and value:
                return value
        return None

    country = claim("birthcountry")
    born_in_france = None if country is None else country == FRANCE_COG
    pivot = {
        "given_names": claim("given_name"), "birth_name": claim("family_name"),
        "usual_name": claim("preferred_username"), "birthdate": claim("birthdate"),
        "gender": claim("gender"),
        "birthplace": claim("birthplace") if born_in_france is not False else None,
        "birthcountry": country, "born_in_france": born_in_france,
    }
    amr = idc.get("amr") or []
    return {
        "provider": provider, "sub": idc["sub"], "email": claim("email"),
        "email_verified": ui.get("email_verified", idc.get("email_verified")),
        "given_name": pivot["given_names"], "family_name": pivot["usual_name"] or pivot["birth_name"],
        "acr": idc.get("acr"), "amr": amr,
        "mfa": "mfa" in amr or idc.get("acr") in MFA_LEVELS[provider],
        "proconnect": None, "prosanteconnect": None, "franceconnect": pivot,
        "raw": {"id_token": idc, "userinfo": ui},
    }


def cases(keys: Keys) -> list[dict]:
    out: list[dict] = []
    dk = json.dumps(keys.decryption_keys())

    def add(name: str, description: str, provider: str, id_token: str, userinfo: str | dict | None,
            expected: dict, *, decryption_keys: str | None = None, accepted: list[str] | None = None,
            mfa: bool = False, policy: dict | None = None) -> None:
        config = {"provider": provider, "issuer": ISSUERS[provider], "client_id": CLIENT_ID,
                  "client_secret": SECRET, "redirect_uri": REDIRECT}
        if policy:
            config["policy"] = policy
        if provider == "franceconnect_plus":
            # A string, as every binding's configuration takes it: the JWKS text or PEM blocks.
            config["decryption_keys"] = decryption_keys or dk
        out.append({
            "name": name, "description": description, "config": config, "now": NOW,
            "pending": pending(provider, accepted or DEFAULT_LEVELS[provider], mfa),
            "jwks": keys.jwks(),
            "token_response": {"access_token": "access-token-of-the-vector", "token_type": "Bearer",
                               "expires_in": 60, "id_token": id_token,
                               "scope": "openid identite_pivot email"},
            # A signed (or encrypted) userinfo as a JWT string, or a whole response.
            "userinfo": userinfo if not isinstance(userinfo, str) else
            {"content_type": "application/jwt; charset=utf-8", "body": userinfo},
            "expected": expected,
        })

    def login(provider: str, idc: dict, ui: dict) -> dict:
        return {"identity": fc_identity(provider, idc, ui)}

    # ---- FranceConnect: signed, not encrypted (ES256 recommended, RS256 allowed).
    fc = "franceconnect"
    idc = id_claims(FC_ISS, "eidas1", "angela")
    ui = born_in_paris(FC_ISS, "angela")
    add("fc_es256_identite_pivot", "FranceConnect v2: ES256 id_token and signed userinfo, born in France "
        "(birthplace a 5-character COG code, birthcountry 99100), no usage name: the birth name is the "
        "family name", fc, sign(keys, idc), sign(keys, ui), login(fc, idc, ui))
    idc2 = id_claims(FC_ISS, "eidas1", "pedro")
    ui2 = born_abroad(FC_ISS, "pedro")
    add("fc_rs256_born_abroad", "FranceConnect v2: RS256 (the other v2 algorithm); born abroad: "
        "birthplace empty (null), birthcountry the country's COG code, presumed day and month (YYYY-01-01) "
        "kept as sent", fc, sign(keys, idc2, "RS256", "fc-rs256"), sign(keys, ui2, "RS256", "fc-rs256"),
        login(fc, idc2, ui2))
    ui3 = born_in_paris(FC_ISS, "angela", preferred_username="MARTIN")
    add("fc_usage_name", "FranceConnect v2: preferred_username (the usage name, its own scope in v2) is "
        "the family name; the birth name stays in franceconnect.birth_name", fc, sign(keys, idc),
        sign(keys, ui3), login(fc, idc, ui3))
    ui4 = born_in_paris(FC_ISS, "corse", birthplace="2A004", given_name="Jean-Baptiste", family_name="CASANOVA",
                        gender="male", email="jb.casanova@example.org")
    idc4 = id_claims(FC_ISS, "eidas1", "corse")
    add("fc_born_in_corsica", "FranceConnect v2: a Corsican birth place (COG code 2A…, not 5 digits) is kept "
        "as sent", fc, sign(keys, idc4), sign(keys, ui4), login(fc, idc4, ui4))

    def fc_fail(name: str, description: str, code: str, id_token: str | None = None,
                userinfo: str | None = None, **kw) -> None:
        add(name, description, fc, id_token or sign(keys, idc), userinfo or sign(keys, ui), {"error": code}, **kw)

    fc_fail("fc_userinfo_bad_signature", "FranceConnect v2: the userinfo signature must be verified",
            "invalid_signature", userinfo=flip(sign(keys, ui), 2))
    fc_fail("fc_hs256_refused", "FranceConnect v2 signs with ES256 or RS256 only (v1's HS256 is gone)",
            "unsupported_algorithm", sign(keys, idc, "HS256", None))
    fc_fail("fc_unknown_kid", "a kid absent from FranceConnect's JWKS: the host refetches the keys once",
            "unknown_key", sign(keys, idc, kid="fc-next"))
    fc_fail("fc_userinfo_encrypted_unexpected", "FranceConnect does not encrypt: a JWE where a JWS is expected "
            "is malformed", "malformed_response",
            userinfo=encrypt(sign(keys, ui), "RSA-OAEP", keys.enc_rsa, kid="client-rsa"))
    fc_fail("fc_eidas2_not_a_franceconnect_level", "FranceConnect's level is eidas1 only: an eidas2 id_token "
            "is not one a FranceConnect login accepts (eidas2 is FranceConnect+'s)", "acr_insufficient",
            sign(keys, id_claims(FC_ISS, "eidas2", "angela")))
    fc_fail("fc_acr_absent", "FranceConnect id_token without acr: the eidas1 level cannot be checked",
            "acr_insufficient", sign(keys, id_claims(FC_ISS, None, "angela")))
    fc_fail("fc_unknown_acr", "an acr that is no eIDAS level", "unknown_acr",
            sign(keys, id_claims(FC_ISS, "substantial", "angela")))
    fc_fail("fc_wrong_issuer", "a FranceConnect+ issuer in a FranceConnect token (mix-up between the two)",
            "issuer_mismatch", sign(keys, id_claims(FCP_ISS, "eidas1", "angela")))
    add("fc_userinfo_plain_json", "FranceConnect v2 signs its userinfo: plain JSON is refused", fc,
        sign(keys, idc), {"content_type": "application/json", "body": json.dumps(ui)},
        {"error": "userinfo_not_signed"})
    fc_fail("fc_userinfo_other_sub", "userinfo of another citizen", "userinfo_subject_mismatch",
            userinfo=sign(keys, born_in_paris(FC_ISS, "someone-else")))

    # ---- FranceConnect+: ES256, then encrypted to the client's key.
    fcp = "franceconnect_plus"
    pidc = id_claims(FCP_ISS, "eidas2", "angela")
    pui = born_in_paris(FCP_ISS, "angela")
    jws_id, jws_ui = sign(keys, pidc), sign(keys, pui)
    for name, alg, key, kid, acr, what in (
        ("fcp_rsa_oaep", "RSA-OAEP", keys.enc_rsa, "client-rsa", "eidas2",
         "RSA-OAEP + A256GCM, as FranceConnect+ documents (eidas2, substantial: multi-factor)"),
        ("fcp_ecdh_es", "ECDH-ES", keys.enc_ec, "client-ec", "eidas3",
         "ECDH-ES + A256GCM, as FranceConnect+ documents (eidas3, high)"),
        ("fcp_rsa_oaep_256", "RSA-OAEP-256", keys.enc_rsa, "client-rsa", "eidas2",
         "RSA-OAEP-256 + A256GCM (same primitives, SHA-256)"),
        ("fcp_ecdh_es_a256kw", "ECDH-ES+A256KW", keys.enc_ec, "client-ec", "eidas2",
         "ECDH-ES with AES key wrapping + A256GCM"),
    ):
        idp = id_claims(FCP_ISS, acr, "angela")
        add(name, f"FranceConnect+: id_token and userinfo signed ES256 then encrypted, {what}", fcp,
            encrypt(sign(keys, idp), alg, key, kid=kid), encrypt(jws_ui, alg, key, kid=kid),
            login(fcp, idp, pui))
    add("fcp_rotation_no_kid", "FranceConnect+ encrypted to the client's second (rotated) RSA key, no kid: "
        "every RSA key is tried", fcp, encrypt(jws_id, "RSA-OAEP", keys.enc_rsa_next, kid=None),
        encrypt(jws_ui, "RSA-OAEP", keys.enc_rsa_next, kid="client-rsa-next"), login(fcp, pidc, pui))
    ec_kid = thumbprint(ec_public(keys.enc_ec, None, None, None))
    rsa_kid = thumbprint(rsa_public(keys.enc_rsa, "", "enc", None))
    add("fcp_pem_keys", "decryption_keys as PEM (an RSA PKCS#1 and an EC PKCS#8 block): each key's kid is "
        "its RFC 7638 thumbprint, the kid of the published JWKS", fcp,
        encrypt(jws_id, "ECDH-ES", keys.enc_ec, kid=ec_kid), encrypt(jws_ui, "RSA-OAEP", keys.enc_rsa, kid=rsa_kid),
        login(fcp, pidc, pui), decryption_keys=pem_keys(keys))

    def sealed(claims: dict) -> str:
        return encrypt(sign(keys, claims), "ECDH-ES", keys.enc_ec, kid="client-ec")

    high = id_claims(FCP_ISS, "eidas3", "angela")
    add("fcp_eidas3_required_got_eidas3", "the service requires the high level (eidas3) and gets it", fcp,
        sealed(high), encrypt(jws_ui, "ECDH-ES", keys.enc_ec, kid="client-ec"), login(fcp, high, pui),
        accepted=["eidas3"], policy={"acr": "eidas3"})
    add("fcp_mfa_required_eidas2", "MFA required: FranceConnect+'s substantial level is multi-factor", fcp,
        sealed(pidc), encrypt(jws_ui, "ECDH-ES", keys.enc_ec, kid="client-ec"), login(fcp, pidc, pui),
        mfa=True, policy={"mfa": "require"})

    good = encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa")
    good_ui = encrypt(jws_ui, "RSA-OAEP", keys.enc_rsa, kid="client-rsa")

    def fail(name: str, description: str, code: str, token: str, ui_token: str | None = None, **kw) -> None:
        add(name, description, fcp, token, ui_token or good_ui, {"error": code}, **kw)

    fail("fcp_eidas2_when_eidas3_required", "the service requires the high level (eidas3); the citizen "
         "logged in at eidas2: the returned acr must be at least the requested one", "acr_insufficient",
         sealed(pidc), accepted=["eidas3"], policy={"acr": "eidas3"})
    fail("fcp_eidas1_refused", "eidas1 is not a FranceConnect+ level (an error there)", "acr_insufficient",
         sealed(id_claims(FCP_ISS, "eidas1", "angela")))
    fail("fcp_unknown_acr", "an acr that is no eIDAS level", "unknown_acr",
         sealed(id_claims(FCP_ISS, "eidas2-plus", "angela")))
    fail("fcp_inner_rs256", "decrypts to an RS256 JWS: FranceConnect+ signs with ES256 only",
         "unsupported_algorithm", encrypt(sign(keys, pidc, "RS256", "fc-rs256"), "ECDH-ES", keys.enc_ec,
                                          kid="client-ec"))
    fail("fcp_unknown_encryption_kid", "a kid the client holds no private key for: configured and registered "
         "keys differ", "invalid_config", encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa-retired"))
    fail("fcp_stranger_key", "encrypted to a key the client never configured (no kid)",
         "invalid_signature", encrypt(jws_id, "ECDH-ES", keys.stranger, kid=None))
    fail("fcp_tampered_tag", "one bit of the authentication tag flipped", "invalid_signature", flip(good, 4))
    fail("fcp_tampered_ciphertext", "one bit of the ciphertext flipped", "invalid_signature", flip(good, 3))
    fail("fcp_tampered_encrypted_key", "one bit of the RSA-OAEP encrypted key flipped", "invalid_signature",
         flip(good, 1))
    fail("fcp_tampered_header", "the protected header altered (it is the AAD): kid dropped", "invalid_signature",
         ".".join([b64(compact({"alg": "RSA-OAEP", "enc": "A256GCM", "cty": "JWT"}))] + good.split(".")[1:]))
    fail("fcp_a128gcm", "A128GCM is not what FranceConnect+ uses", "unsupported_algorithm",
         encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa", enc="A128GCM", cek_len=16))
    fail("fcp_rsa1_5", "RSA1_5 (PKCS#1 v1.5 key transport) is refused", "unsupported_algorithm",
         encrypt(jws_id, "RSA1_5", keys.enc_rsa, kid="client-rsa"))
    fail("fcp_zip", "compressed JWE (zip) is refused", "unsupported_algorithm",
         encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa", extra={"zip": "DEF"}))
    fail("fcp_crit", "a critical header extension is refused", "unsupported_algorithm",
         encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa", extra={"crit": ["x-fc"], "x-fc": 1}))
    fail("fcp_not_encrypted", "FranceConnect+ encrypts: a bare JWS id_token is refused", "malformed_response", jws_id)
    fail("fcp_userinfo_not_encrypted", "FranceConnect+ encrypts its userinfo too: a bare JWS userinfo is refused",
         "malformed_response", good, jws_ui)
    fail("fcp_inner_not_jws", "the encrypted payload is JSON claims, not a signed JWT", "malformed_response",
         encrypt(json.dumps(pidc), "RSA-OAEP", keys.enc_rsa, kid="client-rsa"))
    fail("fcp_inner_bad_signature", "decrypts, but the nested JWS signature is wrong", "invalid_signature",
         encrypt(flip(jws_id, 2), "ECDH-ES", keys.enc_ec, kid="client-ec"))
    fail("fcp_inner_foreign_signing_key", "decrypts, nested JWS signed by a key FranceConnect+ does not publish "
         "(kid of its key)", "invalid_signature",
         encrypt(sign(keys, pidc, key=keys.stranger), "ECDH-ES", keys.enc_ec, kid="client-ec"))
    off_curve = encrypt(jws_id, "ECDH-ES", keys.enc_ec, kid="client-ec")
    header = json.loads(base64.urlsafe_b64decode(off_curve.split(".")[0] + "=="))
    header["epk"]["y"] = header["epk"]["x"]
    fail("fcp_epk_off_curve", "the ephemeral key is not a point of P-256 (invalid-curve attack)",
         "malformed_response", ".".join([b64(compact(header))] + off_curve.split(".")[1:]))
    fail("fcp_userinfo_tampered", "the id_token is fine, the userinfo's tag is altered", "invalid_signature",
         good, flip(encrypt(jws_ui, "ECDH-ES", keys.enc_ec, kid="client-ec"), 4))
    return out


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    written = cases(Keys())
    for case in written:
        (target / f"{case['name']}.json").write_text(
            json.dumps(case, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(written)} FranceConnect vectors to {target}")


if __name__ == "__main__":
    main()
