"""Generates the FranceConnect and FranceConnect+ vectors (tests/vectors/franceconnect/).

FranceConnect signs its id_token and userinfo (ES256 or RS256); FranceConnect+ signs them with
ES256 and then encrypts them to one of the client's public keys (RSA-OAEP or ECDH-ES, A256GCM;
docs/franceconnect.md). The encryption here is written with `cryptography`'s primitives, apart
from the core's RustCrypto code, so that the two implementations check each other.

The EXPECTED outcomes are written by hand: the claims a successful vector must yield are the
ones signed below, and each failure names the stable error code docs/franceconnect.md gives for
that defect. These vectors stop at "decrypt and verify"; the claim checks and the identity come
when FranceConnect is wired into the client.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes, keywrap
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

NOW = 1795000000
FC_ISS = "http://127.0.0.1:4000/franceconnect/api/v2"
FCP_ISS = "http://127.0.0.1:4000/franceconnect-plus/api/v2"
CLIENT_ID = "vector-client"
NONCE = "n" * 20 + "-nonce-of-the-vector-login"


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
        import hmac
        import hashlib
        sig = hmac.new(b"vector-client-secret-0123456789abcdef", signing_input, hashlib.sha256).digest()
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


# --- the identité pivot (docs/franceconnect.md, "Claims") -------------------------------------

def sub(seed: str) -> str:
    import hashlib
    # FranceConnect's sub: 64 hexadecimal characters and a version suffix.
    return hashlib.sha256(seed.encode()).hexdigest() + "v1"


def id_claims(iss: str, acr: str, seed: str, **over) -> dict:
    claims = {"iss": iss, "sub": sub(seed), "aud": CLIENT_ID, "exp": NOW + 60, "iat": NOW,
              "nonce": NONCE, "acr": acr, "amr": ["pwd"], "auth_time": NOW - 5, "idp_id": "fip1"}
    claims.update(over)
    return claims


def born_in_paris(iss: str, seed: str) -> dict:
    return {"iss": iss, "aud": CLIENT_ID, "iat": NOW, "exp": NOW + 60, "sub": sub(seed),
            "given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24",
            "gender": "female", "birthplace": "75107", "birthcountry": "99100",
            "email": "angela.dubois@example.org"}


def born_abroad(iss: str, seed: str) -> dict:
    return {"iss": iss, "aud": CLIENT_ID, "iat": NOW, "exp": NOW + 60, "sub": sub(seed),
            "given_name": "Pedro", "family_name": "GARCIA LOPEZ", "birthdate": "1985-01-01",
            "gender": "male", "birthplace": "", "birthcountry": "99134",
            "email": "pedro.garcia@example.org"}


def cases(keys: Keys) -> list[dict]:
    out: list[dict] = []

    def add(name: str, description: str, provider: str, id_token: str, userinfo: str | None,
            expected: dict, decryption_keys: dict | None = None) -> None:
        out.append({
            "name": name, "description": description, "provider": provider,
            "issuer": FC_ISS if provider == "franceconnect" else FCP_ISS,
            "client_id": CLIENT_ID, "now": NOW,
            "decryption_keys": decryption_keys if provider == "franceconnect_plus" else None,
            "jwks": keys.jwks(), "id_token": id_token,
            "userinfo": None if userinfo is None else
            {"content_type": "application/jwt; charset=utf-8", "body": userinfo},
            "expected": expected,
        })

    dk = keys.decryption_keys()

    # FranceConnect: signed, not encrypted (ES256 recommended, RS256 allowed).
    idc = id_claims(FC_ISS, "eidas1", "angela")
    ui = born_in_paris(FC_ISS, "angela")
    add("fc_es256_identite_pivot", "FranceConnect v2: ES256 id_token and signed userinfo, born in France "
        "(birthplace a 5-character COG code, birthcountry 99100)", "franceconnect",
        sign(keys, idc), sign(keys, ui), {"id_token": idc, "userinfo": ui})
    idc2 = id_claims(FC_ISS, "eidas1", "pedro")
    ui2 = born_abroad(FC_ISS, "pedro")
    add("fc_rs256_born_abroad", "FranceConnect v2: RS256 (the other v2 algorithm); born abroad: "
        "birthplace empty, birthcountry the country's COG code, presumed day and month (YYYY-01-01)",
        "franceconnect", sign(keys, idc2, "RS256", "fc-rs256"), sign(keys, ui2, "RS256", "fc-rs256"),
        {"id_token": idc2, "userinfo": ui2})
    add("fc_userinfo_bad_signature", "FranceConnect v2: the userinfo signature must be verified",
        "franceconnect", sign(keys, idc), flip(sign(keys, ui), 2), {"error": "invalid_signature", "at": "userinfo"})
    add("fc_hs256_refused", "FranceConnect v2 signs with ES256 or RS256 only (v1's HS256 is gone)",
        "franceconnect", sign(keys, idc, "HS256", None), None, {"error": "unsupported_algorithm", "at": "id_token"})
    add("fc_unknown_kid", "a kid absent from FranceConnect's JWKS: refetch the keys once",
        "franceconnect", sign(keys, idc, kid="fc-next"), None, {"error": "unknown_key", "at": "id_token"})
    add("fc_userinfo_encrypted_unexpected", "FranceConnect does not encrypt: a JWE where a JWS is expected is malformed",
        "franceconnect", sign(keys, idc), encrypt(sign(keys, ui), "RSA-OAEP", keys.enc_rsa, kid="client-rsa"),
        {"error": "malformed_response", "at": "userinfo"})

    # FranceConnect+: ES256, then encrypted to the client's key.
    pidc = id_claims(FCP_ISS, "eidas2", "angela")
    pui = born_in_paris(FCP_ISS, "angela")
    jws_id, jws_ui = sign(keys, pidc), sign(keys, pui)
    for name, alg, key, kid, acr, what in (
        ("fcp_rsa_oaep", "RSA-OAEP", keys.enc_rsa, "client-rsa", "eidas2",
         "RSA-OAEP + A256GCM, as FranceConnect+ documents (eidas2, substantial)"),
        ("fcp_ecdh_es", "ECDH-ES", keys.enc_ec, "client-ec", "eidas3",
         "ECDH-ES + A256GCM, as FranceConnect+ documents (eidas3, high)"),
        ("fcp_rsa_oaep_256", "RSA-OAEP-256", keys.enc_rsa, "client-rsa", "eidas2",
         "RSA-OAEP-256 + A256GCM (same primitives, SHA-256)"),
        ("fcp_ecdh_es_a256kw", "ECDH-ES+A256KW", keys.enc_ec, "client-ec", "eidas2",
         "ECDH-ES with AES key wrapping + A256GCM"),
    ):
        idp = id_claims(FCP_ISS, acr, "angela")
        jid = sign(keys, idp)
        add(name, f"FranceConnect+: id_token and userinfo signed ES256 then encrypted, {what}",
            "franceconnect_plus", encrypt(jid, alg, key, kid=kid), encrypt(jws_ui, alg, key, kid=kid),
            {"id_token": idp, "userinfo": pui}, dk)
    add("fcp_rotation_no_kid", "FranceConnect+ encrypted to the client's second (rotated) RSA key, no kid: every RSA key is tried",
        "franceconnect_plus", encrypt(jws_id, "RSA-OAEP", keys.enc_rsa_next, kid=None),
        encrypt(jws_ui, "RSA-OAEP", keys.enc_rsa_next, kid="client-rsa-next"),
        {"id_token": pidc, "userinfo": pui}, dk)

    good = encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa")
    fail = lambda name, description, code, token, at="id_token", ui_token=None: add(  # noqa: E731
        name, description, "franceconnect_plus", token, ui_token, {"error": code, "at": at}, dk)
    fail("fcp_unknown_encryption_kid", "a kid the client holds no private key for: configured and registered keys differ",
         "invalid_config", encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa-retired"))
    fail("fcp_stranger_key", "encrypted to a key the client never configured (no kid)",
         "invalid_signature", encrypt(jws_id, "ECDH-ES", keys.stranger, kid=None))
    fail("fcp_tampered_tag", "one bit of the authentication tag flipped", "invalid_signature", flip(good, 4))
    fail("fcp_tampered_ciphertext", "one bit of the ciphertext flipped", "invalid_signature", flip(good, 3))
    fail("fcp_tampered_encrypted_key", "one bit of the RSA-OAEP encrypted key flipped", "invalid_signature", flip(good, 1))
    fail("fcp_tampered_header", "the protected header altered (it is the AAD): kid dropped",
         "invalid_signature", ".".join([b64(compact({"alg": "RSA-OAEP", "enc": "A256GCM", "cty": "JWT"}))] + good.split(".")[1:]))
    fail("fcp_a128gcm", "A128GCM is not what FranceConnect+ uses", "unsupported_algorithm",
         encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa", enc="A128GCM", cek_len=16))
    fail("fcp_rsa1_5", "RSA1_5 (PKCS#1 v1.5 key transport) is refused", "unsupported_algorithm",
         encrypt(jws_id, "RSA1_5", keys.enc_rsa, kid="client-rsa"))
    fail("fcp_zip", "compressed JWE (zip) is refused", "unsupported_algorithm",
         encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa", extra={"zip": "DEF"}))
    fail("fcp_crit", "a critical header extension is refused", "unsupported_algorithm",
         encrypt(jws_id, "RSA-OAEP", keys.enc_rsa, kid="client-rsa", extra={"crit": ["x-fc"], "x-fc": 1}))
    fail("fcp_not_encrypted", "FranceConnect+ encrypts: a bare JWS is refused", "malformed_response", jws_id)
    fail("fcp_inner_not_jws", "the encrypted payload is JSON claims, not a signed JWT", "malformed_response",
         encrypt(json.dumps(pidc), "RSA-OAEP", keys.enc_rsa, kid="client-rsa"))
    fail("fcp_inner_bad_signature", "decrypts, but the nested JWS signature is wrong", "invalid_signature",
         encrypt(flip(jws_id, 2), "ECDH-ES", keys.enc_ec, kid="client-ec"))
    fail("fcp_inner_foreign_signing_key", "decrypts, nested JWS signed by a key FranceConnect+ does not publish (kid of its key)",
         "invalid_signature", encrypt(sign(keys, pidc, key=keys.stranger), "ECDH-ES", keys.enc_ec, kid="client-ec"))
    off_curve = encrypt(jws_id, "ECDH-ES", keys.enc_ec, kid="client-ec")
    header = json.loads(base64.urlsafe_b64decode(off_curve.split(".")[0] + "=="))
    header["epk"]["y"] = header["epk"]["x"]
    fail("fcp_epk_off_curve", "the ephemeral key is not a point of P-256 (invalid-curve attack)", "malformed_response",
         ".".join([b64(compact(header))] + off_curve.split(".")[1:]))
    fail("fcp_userinfo_tampered", "the id_token is fine, the userinfo's tag is altered", "invalid_signature",
         good, "userinfo", flip(encrypt(jws_ui, "ECDH-ES", keys.enc_ec, kid="client-ec"), 4))
    return out


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "franceconnect")
    target.mkdir(parents=True, exist_ok=True)
    written = cases(Keys())
    for case in written:
        (target / f"{case['name']}.json").write_text(
            json.dumps(case, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(written)} FranceConnect vectors to {target}")


if __name__ == "__main__":
    main()
