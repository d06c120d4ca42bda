#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target, and the fixtures, from tests/vectors/*.json.

Run from anywhere: python3 core/fuzz/scripts/seed.py. Rerun it after `make vectors` (the
vectors are signed with fresh keys each time: fixtures/jwks.json and the seed tokens must come
from the same run). Existing seed files are replaced; regression inputs are never touched.
"""
import base64
import glob
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(FUZZ))
VECTORS = sorted(glob.glob(os.path.join(ROOT, "tests", "vectors", "*.json")))

PC_ISSUER = "http://127.0.0.1:4000/api/v2"
PSC_ISSUER = "http://127.0.0.1:4000/auth/realms/esante-wallet"
STATE = "ssssssssssssssssssss-state-of-the-vector-login"
MAX_SEED = 64 * 1024  # the oversized vectors test a limit, not the parser: keep the corpus small
TARGETS = ["jws", "jwks", "claims", "login", "callback", "token_response", "discovery", "next_path",
           "jwe"]

corpus = {t: {} for t in TARGETS}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) <= MAX_SEED:
        corpus[target][hashlib.sha1(data).hexdigest()[:16]] = data


def payload(token):
    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def as_claims(raw):
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


vectors = [json.load(open(p)) for p in VECTORS]
if len(vectors) < 40:
    raise SystemExit(f"expected the shared vectors in tests/vectors, found {len(vectors)}")

# Fixtures: the union of the vectors' keys, and one RS256 and one ES256 token of them.
keys = {}
for v in vectors:
    for k in (v["jwks"] or {}).get("keys", []):
        keys.setdefault((k.get("kid"), k.get("n") or k.get("x")), k)
os.makedirs(os.path.join(FUZZ, "fixtures"), exist_ok=True)
with open(os.path.join(FUZZ, "fixtures", "jwks.json"), "w") as f:
    json.dump({"keys": list(keys.values())}, f, indent=1)
by_name = {v["name"]: v for v in vectors}
for name, out in [("pc_rs256_full_claims", "rs256.jwt"), ("pc_es256", "es256.jwt")]:
    with open(os.path.join(FUZZ, "fixtures", out), "w") as f:
        f.write(by_name[name]["token_response"]["id_token"] + "\n")

for v in vectors:
    kind = 0 if v["config"]["provider"] == "proconnect" else 1
    tokens = v["token_response"] or {}
    id_token = tokens.get("id_token")
    ui = v.get("userinfo")
    add("jwks", compact(v["jwks"]))
    add("token_response", b"\x00" + compact(tokens))
    if isinstance(id_token, str):
        add("jws", id_token)
    if ui and isinstance(ui.get("body"), str) and ui["body"].count(".") == 2:
        add("jws", ui["body"])
    # Claims pairs: the id_token payload and the userinfo claims (JWT payload or JSON body).
    try:
        id_claims = as_claims(payload(id_token)) if isinstance(id_token, str) else None
    except (ValueError, IndexError):
        id_claims = None
    ui_claims = None
    if ui and isinstance(ui.get("body"), str):
        body = ui["body"]
        try:
            ui_claims = as_claims(payload(body)) if body.count(".") == 2 else as_claims(body)
        except (ValueError, IndexError):
            ui_claims = None
    if id_claims is not None:
        pair = compact(id_claims) + b"\xff" + compact(ui_claims or {})
        add("claims", bytes([kind]) + pair)
        # login: bit 0 provider, bits 2-3 userinfo form (1 = JWT, 2 = JSON).
        form = 1 if kind == 0 else 2
        add("login", bytes([kind | form << 2]) + pair)

# Token endpoint errors (selector: index in the target's status table).
add("token_response", b"\x07" + compact({"error": "invalid_grant", "error_description": "bad code"}))
add("token_response", b"\x08" + compact({"error": "invalid_client"}))
add("token_response", b"\x0c<html>oops</html>")
add("token_response", b"\x00{}")

# Callback queries (selector 0 = raw query); the code is the harness's canary.
CODE = "code-canary-5e1f0c9a7d3b"
for q in [
    f"code={CODE}&state={STATE}",
    f"?code={CODE}&state={STATE}&iss={PC_ISSUER}",
    f"code={CODE}&state={STATE}&iss={PSC_ISSUER}",
    f"error=access_denied&error_description=User+cancelled&state={STATE}",
    "error=login_required",
    f"state={STATE}&state={STATE}&code={CODE}",
    f"code=&state={STATE}",
    f"code={CODE}&state=forged",
    f"state={STATE}",
    f"code={CODE}&code=%E2%9C%93&state={STATE.replace('s', '%73', 3)}",
]:
    add("callback", b"\x00" + q.encode())

# Discovery: the documents the emulator serves, at the vectors' issuers.
pc_doc = {
    "issuer": PC_ISSUER,
    "authorization_endpoint": PC_ISSUER + "/authorize",
    "token_endpoint": PC_ISSUER + "/token",
    "userinfo_endpoint": PC_ISSUER + "/userinfo",
    "jwks_uri": PC_ISSUER + "/jwks",
    "end_session_endpoint": PC_ISSUER + "/session/end",
    "code_challenge_methods_supported": ["S256"],
    "id_token_signing_alg_values_supported": ["HS256", "ES256", "RS256"],
    "acr_values_supported": ["eidas1", "eidas2", "eidas3"],
}
psc_doc = {
    "issuer": PSC_ISSUER,
    "authorization_endpoint": "http://127.0.0.1:4000/wallet/auth",
    "token_endpoint": PSC_ISSUER + "/protocol/openid-connect/token",
    "userinfo_endpoint": PSC_ISSUER + "/protocol/openid-connect/userinfo",
    "jwks_uri": PSC_ISSUER + "/protocol/openid-connect/certs",
    "end_session_endpoint": PSC_ISSUER + "/protocol/openid-connect/logout",
    "code_challenge_methods_supported": ["plain", "S256"],
    "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.example/token"},
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "tls_client_auth"],
}
add("discovery", b"\x00" + compact(pc_doc))
add("discovery", b"\x01" + compact(psc_doc))
add("discovery", b"\x00" + compact({**pc_doc, "end_session_endpoint": None,
                                     "code_challenge_methods_supported": ["plain"]}))
add("discovery", b"\x00" + compact({**pc_doc, "issuer": PC_ISSUER + "/"}))
add("discovery", b"\x01" + compact({**psc_doc, "authorization_endpoint": "not a url"}))

for p in ["/", "/after", "/a/b?c=d&e=f#g", "//evil.example", "/\\evil.example", "/%2F/evil",
          "/%5Cevil", "https://evil.example/", "/ok%20path", "/\t/evil", "/.%2e/x", "/+/x",
          "/%252F%252Fevil", "///x", "/x\\y", "javascript:alert(1)"]:
    add("next_path", p)

# jwe: the FranceConnect+ vectors' client keys (RSA and EC) and the tokens encrypted to them.
FC_VECTORS = sorted(glob.glob(os.path.join(ROOT, "tests", "vectors", "franceconnect", "fcp_*.json")))
if FC_VECTORS:
    with open(FC_VECTORS[0]) as f:
        fc_keys = json.load(f)["decryption_keys"]
    kept = {"keys": [k for k in fc_keys["keys"] if k["kid"] in ("client-rsa", "client-ec")]}
    with open(os.path.join(FUZZ, "fixtures", "jwe-keys.json"), "w") as f:
        f.write(json.dumps(kept, indent=1) + "\n")
    for path in FC_VECTORS:
        with open(path) as f:
            v = json.load(f)
        add("jwe", v["id_token"])
        if v["userinfo"]:
            add("jwe", v["userinfo"]["body"])
    add("jwe", json.dumps(kept))

total = 0
for target, seeds in corpus.items():
    d = os.path.join(FUZZ, "corpus", target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"{target:15} {len(seeds):4} seeds")
print(f"total {total} bytes")
