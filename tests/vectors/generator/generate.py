"""Generates the shared test vectors of gouvconnect.

The generator signs tokens; the EXPECTED outcomes below are written by hand from the
federations' documentation (docs/architecture.md §4 and §5, shared/reference), never computed by the code
under test. Run through `make vectors` (tests/vectors/generate.sh).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

NOW = 1795000000
PC_ISS = "http://127.0.0.1:4000/api/v2"
PSC_ISS = "http://127.0.0.1:4000/auth/realms/esante-wallet"
CLIENT_ID = "vector-client"
SECRET = "vector-client-secret-0123456789abcdef"
REDIRECT = "http://127.0.0.1:8000/auth/callback"
NONCE = "n" * 20 + "-nonce-of-the-vector-login"
STATE = "s" * 20 + "-state-of-the-vector-login"
MFA_VALUES = ["eidas0-mfa", "eidas1-mfa", "eidas2", "eidas3"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_b64(n: int) -> str:
    return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Keys:
    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.rsa_rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @staticmethod
    def rsa_jwk(key: rsa.RSAPrivateKey, kid: str | None) -> dict:
        numbers = key.public_key().public_numbers()
        jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "n": int_b64(numbers.n), "e": int_b64(numbers.e)}
        if kid:
            jwk["kid"] = kid
        return jwk

    def ec_jwk(self, kid: str | None) -> dict:
        numbers = self.ec.public_key().public_numbers()
        jwk = {
            "kty": "EC", "use": "sig", "alg": "ES256", "crv": "P-256",
            "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big")),
        }
        if kid:
            jwk["kid"] = kid
        return jwk

    def jwks(self) -> dict:
        return {"keys": [self.rsa_jwk(self.rsa, "rsa-1"), self.ec_jwk("ec-1"),
                         {"kty": "RSA", "use": "enc", "kid": "enc-1", "n": "AQAB", "e": "AQAB"}]}


def sign(keys: Keys, claims: dict | str, alg: str = "RS256", kid: str | None = "rsa-1", *,
         key=None, header_extra: dict | None = None, secret: str = SECRET) -> str:
    header = {"alg": alg, "typ": "JWT"}
    if kid:
        header["kid"] = kid
    header.update(header_extra or {})
    payload = claims if isinstance(claims, str) else json.dumps(claims, separators=(",", ":"))
    signing_input = f"{b64(json.dumps(header, separators=(',', ':')).encode())}.{b64(payload.encode())}"
    data = signing_input.encode()
    if alg == "RS256":
        sig = (key or keys.rsa).sign(data, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "PS256":
        sig = (key or keys.rsa).sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    elif alg == "ES256":
        r, s = decode_dss_signature((key or keys.ec).sign(data, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "HS256":
        sig = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    elif alg == "none":
        sig = b""
    else:
        raise ValueError(alg)
    return f"{signing_input}.{b64(sig)}"


def config(provider: str, **extra) -> dict:
    cfg = {
        "provider": provider,
        "issuer": PC_ISS if provider == "proconnect" else PSC_ISS,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "redirect_uri": REDIRECT,
    }
    cfg.update(extra)
    return cfg


def pending(provider: str, accepted: list[str] | None = None, mfa: bool = False) -> dict:
    return {
        "provider": provider, "client_id": CLIENT_ID, "state": STATE, "nonce": NONCE,
        "code_verifier": None, "redirect_uri": REDIRECT,
        "acr": {"accepted": accepted, "mfa": mfa}, "created_at": NOW - 30, "next": None,
    }


# --- ProConnect claims and the identity the documentation says they normalise to -------------

PC_SUB = "7c1d8e2a-3b4f-4c5d-8e9f-0a1b2c3d4e5f"


def pc_id_claims(**over) -> dict:
    claims = {"iss": PC_ISS, "sub": PC_SUB, "aud": CLIENT_ID, "exp": NOW + 60, "iat": NOW - 5,
              "auth_time": NOW - 10, "nonce": NONCE, "acr": "eidas1", "amr": ["pwd"], "sid": "sid-1"}
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


PC_USERINFO = {
    "sub": PC_SUB, "iss": PC_ISS, "aud": CLIENT_ID, "iat": NOW - 5, "exp": NOW + 60,
    "given_name": "Alice Marie", "usual_name": "Martin", "email": "alice.martin@interieur.gouv.fr",
    "uid": "amartin", "siret": "11000101300017", "siren": "110001013",
    "organizational_unit": "DNUM", "organization_label": "Ministère de l'Intérieur",
    "belonging_population": "agent", "phone_number": "+33 1 23 45 67 89",
    "roles": ["agent_public", "agent_public_etat"],
    "chorusdt:matricule": "0000123456", "chorusdt:societe": "1100",
    "idp_id": "71144ab3-ee1a-4401-b7b3-79b44f7daeeb", "idp_acr": "eidas1",
    "custom": {"grade": "attaché"},
}

# ProConnect → identity: family_name from usual_name; email_verified absent → null (docs/architecture.md §4).
PC_PROCONNECT = {
    "uid": "amartin", "siret": "11000101300017", "siren": "110001013",
    "organizational_unit": "DNUM", "organization_label": "Ministère de l'Intérieur",
    "belonging_population": "agent", "phone_number": "+33 1 23 45 67 89",
    "roles": ["agent_public", "agent_public_etat"],
    "chorusdt": {"matricule": "0000123456", "societe": "1100"},
    "idp_id": "71144ab3-ee1a-4401-b7b3-79b44f7daeeb", "idp_acr": "eidas1",
    "custom": {"grade": "attaché"},
}


def pc_identity(id_claims: dict, userinfo: dict, **over) -> dict:
    identity = {
        "provider": "proconnect", "sub": PC_SUB, "email": "alice.martin@interieur.gouv.fr",
        "email_verified": None, "given_name": "Alice Marie", "family_name": "Martin",
        "acr": "eidas1", "amr": ["pwd"], "proconnect": copy.deepcopy(PC_PROCONNECT),
        "prosanteconnect": None, "raw": {"id_token": id_claims, "userinfo": userinfo},
    }
    identity.update(over)
    return identity


# --- Pro Santé Connect ------------------------------------------------------------------------

def psc_sub(national_id: str) -> str:
    return f"f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:{national_id}"


def psc_id_claims(national_id: str, **over) -> dict:
    claims = {"iss": PSC_ISS, "sub": psc_sub(national_id), "aud": CLIENT_ID, "azp": CLIENT_ID,
              "exp": NOW + 60, "iat": NOW - 5, "auth_time": NOW - 10, "nonce": NONCE,
              "acr": "eidas1", "typ": "ID", "session_state": "abc"}
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def empty_activity(**fields) -> dict:
    names = ["codeModeExercice", "codeSecteurDactivite", "codeSectionPharmacien", "codeRole",
             "codeGenreActivite", "numeroSiretSite", "numeroSirenSite", "numeroFinessSite",
             "numeroFinessetablissementJuridique", "identifiantTechniqueDeLaStructure",
             "raisonSocialeSite", "enseigneCommercialeSite", "complementDestinataire",
             "complementPointGeographique", "numeroVoie", "indiceRepetitionVoie", "codeTypeDeVoie",
             "libelleVoie", "mentionDistribution", "bureauCedex", "codePostal", "codeCommune",
             "codePays", "codeDepartement", "telephone", "telephone2", "telecopie", "adresseEMail",
             "ancienIdentifiantDeLaStructure", "autoriteDenregistrement"]
    activity = {n: "" for n in names}
    activity.update(fields)
    return activity


def expected_activity(**fields) -> dict:
    names = ["mode", "sector_code", "pharmacist_section", "role_code", "genre_code", "siret", "siren",
             "finess", "finess_legal", "structure_id", "former_structure_id", "registration_authority",
             "name", "commercial_name", "street_number", "street_type", "street_name", "postal_code",
             "city_code", "department_code", "country_code", "phone", "email"]
    activity = {n: None for n in names}
    activity.update(fields)
    return activity


def psc_userinfo(national_id: str, exercices: list, **over) -> dict:
    claims = {
        "sub": psc_sub(national_id), "SubjectNameID": national_id, "preferred_username": national_id,
        "given_name": "Paul", "family_name": "BERNARD", "email_verified": False,
        "SubjectOrganization": "CABINET DU DR BERNARD", "SubjectOrganizationID": "",
        "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"], "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4",
        "Palier_Authentification": "APPPRIP3^1.2.250.1.213.1.5.1.1.1", "Mode_Acces_Raison": "",
        "Acces_Regulation_Medicale": "FAUX", "UITVersion": "1.0", "PSI_Locale": "1.2.250.1.213.1.3.1.1",
        "otherIds": [{"identifiant": national_id, "origine": "RPPS", "qualite": 1}],
        "SubjectRefPro": {"codeCivilite": "M", "exercices": exercices},
    }
    claims.update(over)
    return claims


DOCTOR_EXERCICES = [
    {"codeProfession": "10", "codeCategorieProfessionnelle": "C", "codeCiviliteDexercice": "DR",
     "nomDexercice": "BERNARD", "prenomDexercice": "Paul", "codeTypeSavoirFaire": "S",
     "codeSavoirFaire": "SM54", "unknownFutureField": {"x": 1}, "activities": [
         empty_activity(codeModeExercice="L", codeSecteurDactivite="SA07", codeGenreActivite="GENR01",
                        raisonSocialeSite="CABINET DU DR BERNARD", numeroVoie="12", codeTypeDeVoie="R",
                        libelleVoie="DES LILAS", codePostal="75019", codeCommune="75119", codeDepartement="75",
                        unknownActivityField="tolerated"),
         empty_activity(codeModeExercice="S", codeSecteurDactivite="SA01", numeroFinessSite="750000001",
                        numeroFinessetablissementJuridique="750000019",
                        identifiantTechniqueDeLaStructure="R10000000000001", raisonSocialeSite="HOPITAL EXEMPLE",
                        codePostal="75020"),
     ]},
    {"codeProfession": "40", "codeCategorieProfessionnelle": "C", "codeCiviliteDexercice": "DR",
     "nomDexercice": "BERNARD", "prenomDexercice": "Paul", "codeTypeSavoirFaire": "",
     "codeSavoirFaire": "", "activities": [
         empty_activity(codeModeExercice="L", numeroSiretSite="26750045200015", numeroSirenSite="267500452",
                        raisonSocialeSite="CENTRE DENTAIRE", codePostal="75013"),
     ]},
]

# Every exercice and activity kept; "" → null; names of docs/architecture.md §4.
DOCTOR_EXPECTED_EXERCICES = [
    {"profession_code": "10", "category_code": "C", "civility": "DR", "last_name": "BERNARD",
     "first_name": "Paul", "savoir_faire_type": "S", "savoir_faire_code": "SM54", "activities": [
         expected_activity(mode="L", sector_code="SA07", genre_code="GENR01", name="CABINET DU DR BERNARD",
                           street_number="12", street_type="R", street_name="DES LILAS", postal_code="75019",
                           city_code="75119", department_code="75"),
         expected_activity(mode="S", sector_code="SA01", finess="750000001", finess_legal="750000019",
                           structure_id="R10000000000001", name="HOPITAL EXEMPLE", postal_code="75020"),
     ]},
    {"profession_code": "40", "category_code": "C", "civility": "DR", "last_name": "BERNARD",
     "first_name": "Paul", "savoir_faire_type": None, "savoir_faire_code": None, "activities": [
         expected_activity(mode="L", siret="26750045200015", siren="267500452", name="CENTRE DENTAIRE",
                           postal_code="75013"),
     ]},
]


# MFA, as the federations document it: ProConnect's MFA levels are eidas0-mfa, eidas1-mfa,
# eidas2 and eidas3 (double_authentification.md); PSC returns eidas2 for a card login (ansforge
# keycloak-prosanteconnect #43); `mfa` in amr (RFC 8176) says so for either.
MFA_LEVELS = {"proconnect": {"eidas0-mfa", "eidas1-mfa", "eidas2", "eidas3"},
              "prosanteconnect": {"eidas2", "eidas3"}}


def documented_mfa(identity: dict) -> bool:
    return "mfa" in (identity.get("amr") or []) or identity.get("acr") in MFA_LEVELS[identity["provider"]]


# Labels of PSC codes: ANS's NOS nomenclatures as copied, with their sources and dates, in
# core/data/nos-labels.tsv (the CodeSystems' "display", verbatim). A code the table does not hold
# keeps a null label; a savoir-faire is labelled from TRE_R38 only when its type is S.
NOS_LABELS_FILE = Path(__file__).resolve().parents[3] / "core" / "data" / "nos-labels.tsv"


def nos_labels() -> dict:
    tables: dict = {}
    for line in NOS_LABELS_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            table, code, label = line.split("\t")
            tables.setdefault(table, {})[code] = label
    return tables


def nos_label(tables: dict, table: str, code):
    if code is None:
        return None
    entries = tables[table]
    return entries.get(code, entries.get(code.upper()))


def documented_labels(identity: dict) -> None:
    psc = identity.get("prosanteconnect")
    if identity.get("provider") != "prosanteconnect" or not psc:
        return
    t = nos_labels()
    for e in psc.get("exercices", []):
        e.setdefault("profession_label", nos_label(t, "profession", e.get("profession_code")))
        e.setdefault("category_label", nos_label(t, "category", e.get("category_code")))
        e.setdefault("savoir_faire_type_label", nos_label(t, "savoir_faire_type", e.get("savoir_faire_type")))
        is_specialty = (e.get("savoir_faire_type") or "").upper() == "S"
        e.setdefault("savoir_faire_label",
                     nos_label(t, "specialty", e.get("savoir_faire_code")) if is_specialty else None)
        for a in e.get("activities", []):
            a.setdefault("mode_label", nos_label(t, "mode", a.get("mode")))
            a.setdefault("sector_label", nos_label(t, "sector", a.get("sector_code")))
            a.setdefault("genre_label", nos_label(t, "genre", a.get("genre_code")))


def psc_identity(national_id: str, id_claims: dict, userinfo: dict, psc: dict, **over) -> dict:
    # `authMode` is PSC's non-standard id_token claim (CARD for a CPS card login).
    psc.setdefault("auth_mode", id_claims.get("authMode"))
    identity = {
        "provider": "prosanteconnect", "sub": psc_sub(national_id), "email": None,
        "email_verified": False, "given_name": "Paul", "family_name": "BERNARD",
        "acr": id_claims.get("acr"), "amr": [], "proconnect": None, "prosanteconnect": psc,
        "raw": {"id_token": id_claims, "userinfo": userinfo},
    }
    identity.update(over)
    return identity


# --- Cases --------------------------------------------------------------------------------------

def cases(keys: Keys) -> list[dict]:
    out: list[dict] = []
    jwks = keys.jwks()

    def add(name, description, provider, id_token, userinfo, expected, *, cfg=None, pend=None,
            jwks_doc=None, access_token="access-token-of-the-vector"):
        if "identity" in expected:
            expected["identity"].setdefault("mfa", documented_mfa(expected["identity"]))
            documented_labels(expected["identity"])
        out.append({
            "name": name, "description": description,
            "config": cfg or config(provider), "now": NOW,
            "pending": pend or pending(provider), "jwks": jwks_doc or jwks,
            "token_response": {"access_token": access_token, "token_type": "Bearer", "expires_in": 3600,
                               "id_token": id_token, "refresh_token": "refresh-of-the-vector", "scope": "openid"},
            "userinfo": userinfo, "expected": expected,
        })

    def jwt_userinfo(claims, alg="RS256", kid="rsa-1", **kw):
        return {"content_type": "application/jwt; charset=utf-8", "body": sign(keys, claims, alg, kid, **kw)}

    def json_userinfo(claims):
        return {"content_type": "application/json", "body": json.dumps(claims, ensure_ascii=False)}

    # ---- ProConnect successes
    idc = pc_id_claims()
    add("pc_rs256_full_claims", "ProConnect, RS256 id_token and userinfo, every ProConnect claim",
        "proconnect", sign(keys, idc), jwt_userinfo(PC_USERINFO),
        {"identity": pc_identity(idc, PC_USERINFO)})

    idc = pc_id_claims()
    add("pc_es256", "ProConnect, ES256 id_token and userinfo (registered ES256)", "proconnect",
        sign(keys, idc, "ES256", "ec-1"), jwt_userinfo(PC_USERINFO, "ES256", "ec-1"),
        {"identity": pc_identity(idc, PC_USERINFO)},
        cfg=config("proconnect", id_token_alg="ES256", userinfo_alg="ES256"))

    idc = pc_id_claims()
    add("pc_hs256_registered", "ProConnect, HS256 keyed with the client secret, registered HS256", "proconnect",
        sign(keys, idc, "HS256", None), jwt_userinfo(PC_USERINFO, "HS256", None),
        {"identity": pc_identity(idc, PC_USERINFO)},
        cfg=config("proconnect", id_token_alg="HS256", userinfo_alg="HS256"))

    minimal_ui = {"sub": PC_SUB, "iss": PC_ISS, "aud": CLIENT_ID, "email": "bruno@exemple.fr",
                  "given_name": "Bruno", "usual_name": "Durand", "siret": "73282932000074"}
    idc = pc_id_claims(amr=None)
    add("pc_minimal_scopes_no_amr", "ProConnect with few scopes: absent claims are null, roles empty, no amr",
        "proconnect", sign(keys, idc), jwt_userinfo(minimal_ui),
        {"identity": pc_identity(idc, minimal_ui, email="bruno@exemple.fr", given_name="Bruno",
                                 family_name="Durand", amr=[], proconnect={
                                     "uid": None, "siret": "73282932000074", "siren": None,
                                     "organizational_unit": None, "organization_label": None,
                                     "belonging_population": None, "phone_number": None, "roles": [],
                                     "chorusdt": None, "idp_id": None, "idp_acr": None, "custom": {}})})

    for acr in ["eidas2", "eidas3"]:
        idc = pc_id_claims(acr=acr, amr=["pwd", "otp", "mfa"])
        add(f"pc_required_eidas2_got_{acr}", f"eidas2 required (essential values), {acr} returned",
            "proconnect", sign(keys, idc), jwt_userinfo(PC_USERINFO),
            {"identity": pc_identity(idc, PC_USERINFO, acr=acr, amr=["pwd", "otp", "mfa"])},
            pend=pending("proconnect", ["eidas2", "eidas3"]))

    idc = pc_id_claims(acr="eidas1-mfa", amr=["pwd", "mail", "mfa"])
    add("pc_mfa_required_got_eidas1_mfa", "MFA required, eidas1-mfa (email OTP by ProConnect) returned",
        "proconnect", sign(keys, idc), jwt_userinfo(PC_USERINFO),
        {"identity": pc_identity(idc, PC_USERINFO, acr="eidas1-mfa", amr=["pwd", "mail", "mfa"])},
        pend=pending("proconnect", MFA_VALUES, True))

    cd = "https://proconnect.gouv.fr/assurance/certification-dirigeant"
    idc = pc_id_claims(acr=cd)
    add("pc_certification_dirigeant", "certification dirigeant required and returned", "proconnect",
        sign(keys, idc), jwt_userinfo(PC_USERINFO),
        {"identity": pc_identity(idc, PC_USERINFO, acr=cd)}, pend=pending("proconnect", [cd]))

    idc = pc_id_claims(acr="eidas0")
    add("pc_eidas0_when_nothing_required", "no level required: eidas0 (a known value) is accepted",
        "proconnect", sign(keys, idc), jwt_userinfo(PC_USERINFO),
        {"identity": pc_identity(idc, PC_USERINFO, acr="eidas0")})

    idc = pc_id_claims()
    add("pc_kid_absent_one_key", "no kid; the JWKS has one RSA key", "proconnect",
        sign(keys, idc, kid=None), jwt_userinfo(PC_USERINFO, kid=None),
        {"identity": pc_identity(idc, PC_USERINFO)},
        jwks_doc={"keys": [keys.rsa_jwk(keys.rsa, "rsa-1"), keys.ec_jwk("ec-1")]})

    idc = pc_id_claims()
    add("pc_kid_absent_several_keys", "no kid; several RSA keys, one of them verifies", "proconnect",
        sign(keys, idc, kid=None), jwt_userinfo(PC_USERINFO, kid=None),
        {"identity": pc_identity(idc, PC_USERINFO)},
        jwks_doc={"keys": [keys.rsa_jwk(keys.rsa_rotated, "rsa-2"), keys.rsa_jwk(keys.rsa, "rsa-1")]})

    idc = pc_id_claims()
    add("pc_rotated_key", "signed with the new key of a rotation, both keys published", "proconnect",
        sign(keys, idc, kid="rsa-2", key=keys.rsa_rotated),
        jwt_userinfo(PC_USERINFO, kid="rsa-2", key=keys.rsa_rotated),
        {"identity": pc_identity(idc, PC_USERINFO)},
        jwks_doc={"keys": [keys.rsa_jwk(keys.rsa, "rsa-1"), keys.rsa_jwk(keys.rsa_rotated, "rsa-2")]})

    idc = pc_id_claims(aud=[CLIENT_ID, "other"], azp=CLIENT_ID)
    add("pc_several_audiences_with_azp", "aud lists two clients, azp names this one", "proconnect",
        sign(keys, idc), jwt_userinfo(PC_USERINFO), {"identity": pc_identity(idc, PC_USERINFO)})

    idc = pc_id_claims(exp=NOW - 20)
    add("pc_expired_within_leeway", "exp 20 s ago, within the default 30 s leeway", "proconnect",
        sign(keys, idc), jwt_userinfo(PC_USERINFO), {"identity": pc_identity(idc, PC_USERINFO)})

    unverified_ui = dict(PC_USERINFO, custom={"email_verified": False})
    idc = pc_id_claims()
    add("pc_unverified_email_accepted_by_switch", "custom.email_verified false, accept_unverified_email on",
        "proconnect", sign(keys, idc), jwt_userinfo(unverified_ui),
        {"identity": pc_identity(idc, unverified_ui, email_verified=False,
                                 proconnect=dict(copy.deepcopy(PC_PROCONNECT), custom={"email_verified": False}))},
        cfg=config("proconnect", policy={"accept_unverified_email": True}))

    # ---- ProConnect refusals
    def pc_fail(name, description, code, id_token=None, userinfo=None, **kw):
        add(name, description, "proconnect", id_token or sign(keys, pc_id_claims()),
            userinfo if userinfo is not None else jwt_userinfo(PC_USERINFO), {"error": code}, **kw)

    good = sign(keys, pc_id_claims())
    h, p, s = good.split(".")
    tampered_payload = b64(json.dumps(pc_id_claims(sub="someone-else")).encode())
    pc_fail("pc_tampered_payload", "payload changed after signing", "invalid_signature",
            f"{h}.{tampered_payload}.{s}")
    pc_fail("pc_attacker_key_real_kid", "signed by another key under the provider's kid",
            "invalid_signature", sign(keys, pc_id_claims(), key=keys.attacker))
    pc_fail("pc_embedded_jwk_header", "attacker key embedded in the jwk header (must be ignored)",
            "invalid_signature", sign(keys, pc_id_claims(), key=keys.attacker,
                                      header_extra={"jwk": Keys.rsa_jwk(keys.attacker, None)}))
    pc_fail("pc_alg_none", "alg none", "unsupported_algorithm", sign(keys, pc_id_claims(), "none", None))
    pc_fail("pc_hs256_not_registered", "HS256 with the client secret, client registered nothing",
            "unsupported_algorithm", sign(keys, pc_id_claims(), "HS256", None))
    pc_fail("pc_hs256_with_public_key_as_secret", "HS256 keyed with the provider's public key",
            "unsupported_algorithm", sign(keys, pc_id_claims(), "HS256", None,
                                           secret=json.dumps(Keys.rsa_jwk(keys.rsa, "rsa-1"))))
    pc_fail("pc_rs256_when_es256_registered", "RS256 token, client registered ES256",
            "unsupported_algorithm", cfg=config("proconnect", id_token_alg="ES256"))
    pc_fail("pc_unknown_kid", "kid absent from the JWKS", "unknown_key", sign(keys, pc_id_claims(), kid="rsa-9"))
    pc_fail("pc_wrong_issuer", "iss of another platform", "issuer_mismatch",
            sign(keys, pc_id_claims(iss="https://auth.agentconnect.gouv.fr/api/v2")))
    pc_fail("pc_wrong_audience", "aud is another client", "audience_mismatch",
            sign(keys, pc_id_claims(aud="another-client")))
    pc_fail("pc_several_audiences_no_azp", "two audiences and no azp", "audience_mismatch",
            sign(keys, pc_id_claims(aud=[CLIENT_ID, "other"])))
    pc_fail("pc_azp_other_client", "azp names another client", "audience_mismatch",
            sign(keys, pc_id_claims(azp="other")))
    pc_fail("pc_expired", "exp 5 minutes ago", "token_expired", sign(keys, pc_id_claims(exp=NOW - 300)))
    pc_fail("pc_iat_in_future", "iat 5 minutes ahead", "token_not_yet_valid",
            sign(keys, pc_id_claims(iat=NOW + 300, exp=NOW + 360)))
    pc_fail("pc_wrong_nonce", "nonce of another login", "nonce_mismatch",
            sign(keys, pc_id_claims(nonce="x" * 43)))
    pc_fail("pc_missing_nonce", "no nonce", "nonce_mismatch", sign(keys, pc_id_claims(nonce=None)))
    pc_fail("pc_missing_sub", "no sub", "malformed_response", sign(keys, pc_id_claims(sub=None)))
    pc_fail("pc_garbage_token", "not a JWS", "malformed_response", "this-is-not-a-jwt")
    pc_fail("pc_oversized_token", "an id_token of 70 KB", "response_too_large",
            sign(keys, pc_id_claims(padding="x" * 70000)))
    pc_fail("pc_userinfo_other_sub", "userinfo sub differs from the id_token's", "userinfo_subject_mismatch",
            userinfo=jwt_userinfo(dict(PC_USERINFO, sub="another-sub")))
    pc_fail("pc_userinfo_plain_json", "ProConnect userinfo must be a signed JWT", "userinfo_not_signed",
            userinfo=json_userinfo(PC_USERINFO))
    pc_fail("pc_userinfo_bad_signature", "userinfo signed by another key", "invalid_signature",
            userinfo=jwt_userinfo(PC_USERINFO, key=keys.attacker))
    pc_fail("pc_userinfo_wrong_issuer", "userinfo iss of another provider", "issuer_mismatch",
            userinfo=jwt_userinfo(dict(PC_USERINFO, iss="https://evil.example")))
    pc_fail("pc_acr_insufficient", "eidas2 required, eidas1 returned", "acr_insufficient",
            pend=pending("proconnect", ["eidas2", "eidas3"]))
    pc_fail("pc_acr_missing_when_required", "a level required and no acr returned", "acr_insufficient",
            sign(keys, pc_id_claims(acr=None)), pend=pending("proconnect", ["eidas1", "eidas1-mfa", "eidas2", "eidas3"]))
    pc_fail("pc_unknown_acr", "acr eidas9 is not a ProConnect value", "unknown_acr",
            sign(keys, pc_id_claims(acr="eidas9")))
    pc_fail("pc_legacy_acr", "a legacy acr removed on 2026-06-18", "unknown_acr",
            sign(keys, pc_id_claims(acr="https://proconnect.gouv.fr/assurance/self-asserted")))
    pc_fail("pc_mfa_required", "MFA required, eidas1 returned", "mfa_required",
            pend=pending("proconnect", MFA_VALUES, True))
    pc_fail("pc_unverified_email", "custom.email_verified false is an explicit refusal", "email_not_verified",
            userinfo=jwt_userinfo(unverified_ui))
    pc_fail("pc_unverified_email_top_level", "an explicit top-level email_verified false", "email_not_verified",
            userinfo=jwt_userinfo(dict(PC_USERINFO, email_verified=False)))
    pc_fail("pc_siret_not_allowed", "SIRET outside the allow-list", "access_denied",
            cfg=config("proconnect", policy={"allowed_sirets": ["13002526500013"]}))
    pc_fail("pc_email_domain_not_allowed", "email domain outside the allow-list", "access_denied",
            cfg=config("proconnect", policy={"allowed_email_domains": ["finances.gouv.fr"]}))

    # ---- More ProConnect edges (expectations from RFC 7519 / OIDC Core and the ProConnect docs)
    pc_fail("pc_role_not_allowed", "allowed_roles names a role the user does not hold", "access_denied",
            cfg=config("proconnect", policy={"allowed_roles": ["agent_public_territorial"]}))
    pc_fail("pc_nbf_in_future", "nbf 5 minutes ahead (RFC 7519 §4.1.5)", "token_not_yet_valid",
            sign(keys, pc_id_claims(nbf=NOW + 300)))
    pc_fail("pc_missing_exp", "id_token without exp (required by OIDC Core §2)", "malformed_response",
            sign(keys, pc_id_claims(exp=None)))
    pc_fail("pc_sub_too_long", "sub of 257 characters (ProConnect: 1–256)", "malformed_response",
            sign(keys, pc_id_claims(sub="a" * 257)))
    pc_fail("pc_userinfo_alg_none", "userinfo JWT with alg none", "unsupported_algorithm",
            userinfo=jwt_userinfo(PC_USERINFO, "none", None))
    pc_fail("pc_userinfo_hs256_not_registered", "userinfo HS256 while the client registered RS256",
            "unsupported_algorithm", userinfo=jwt_userinfo(PC_USERINFO, "HS256", None))
    pc_fail("pc_userinfo_expired", "signed userinfo whose exp is 5 minutes ago", "token_expired",
            userinfo=jwt_userinfo(dict(PC_USERINFO, exp=NOW - 300)))
    pc_fail("pc_userinfo_wrong_audience", "signed userinfo for another client", "audience_mismatch",
            userinfo=jwt_userinfo(dict(PC_USERINFO, aud="another-client")))
    pc_fail("pc_kid_absent_no_key_verifies", "no kid; none of the published keys verifies", "invalid_signature",
            sign(keys, pc_id_claims(), kid=None, key=keys.attacker),
            jwks_doc={"keys": [keys.rsa_jwk(keys.rsa_rotated, "rsa-2"), keys.rsa_jwk(keys.rsa, "rsa-1")]})
    pc_fail("pc_hs256_wrong_secret", "HS256 registered, token keyed with another secret", "invalid_signature",
            sign(keys, pc_id_claims(), "HS256", None, secret="not-the-client-secret-0123456789abcdef"),
            cfg=config("proconnect", id_token_alg="HS256", userinfo_alg="HS256"))
    pc_fail("pc_dirigeant_required_got_eidas3", "certification dirigeant is a role proof: eidas3 does not meet it",
            "acr_insufficient", sign(keys, pc_id_claims(acr="eidas3")), pend=pending("proconnect", [cd]))
    pc_fail("pc_eidas1_required_got_eidas0_mfa", "eidas0-mfa is not in the eidas1-and-above values",
            "acr_insufficient", sign(keys, pc_id_claims(acr="eidas0-mfa")),
            pend=pending("proconnect", ["eidas1", "eidas1-mfa", "eidas2", "eidas3"]))

    idc = pc_id_claims(acr="eidas0-mfa", amr=["pwd", "mail", "mfa"])
    add("pc_mfa_required_got_eidas0_mfa", "MFA required, eidas0-mfa is one of the documented MFA values",
        "proconnect", sign(keys, idc), jwt_userinfo(PC_USERINFO),
        {"identity": pc_identity(idc, PC_USERINFO, acr="eidas0-mfa", amr=["pwd", "mail", "mfa"])},
        pend=pending("proconnect", MFA_VALUES, True))

    idc = pc_id_claims(iat=NOW + 20)
    add("pc_iat_within_leeway", "iat 20 s ahead (clock skew), within the default 30 s leeway", "proconnect",
        sign(keys, idc), jwt_userinfo(PC_USERINFO), {"identity": pc_identity(idc, PC_USERINFO)})

    idc = pc_id_claims(aud=[CLIENT_ID])
    add("pc_audience_array_of_one", "aud as a one-element array, no azp", "proconnect",
        sign(keys, idc), jwt_userinfo(PC_USERINFO), {"identity": pc_identity(idc, PC_USERINFO)})

    idc = pc_id_claims()
    add("pc_role_and_domain_case_allowed", "allowed_roles matches; email domain compared without case",
        "proconnect", sign(keys, idc), jwt_userinfo(PC_USERINFO), {"identity": pc_identity(idc, PC_USERINFO)},
        cfg=config("proconnect", policy={"allowed_roles": ["agent_public_etat"],
                                         "allowed_email_domains": ["Interieur.Gouv.FR"]}))

    idc = pc_id_claims()
    add("pc_siret_and_domain_allowed", "SIRET and email domain in the allow-lists", "proconnect",
        sign(keys, idc), jwt_userinfo(PC_USERINFO), {"identity": pc_identity(idc, PC_USERINFO)},
        cfg=config("proconnect", policy={"allowed_sirets": ["11000101300017"],
                                         "allowed_email_domains": ["interieur.gouv.fr"]}))

    # ---- Pro Santé Connect
    nid = "899700218896"
    idc = psc_id_claims(nid)
    ui = psc_userinfo(nid, DOCTOR_EXERCICES)
    doctor = {"national_id": nid, "id_kind": "rpps", "rpps": "99700218896", "adeli": None, "civility": "M",
              "organization": "CABINET DU DR BERNARD", "exercices": DOCTOR_EXPECTED_EXERCICES}
    add("psc_doctor_two_exercices", "PSC doctor: RPPS decoded, every exercice and activity, '' → null",
        "prosanteconnect", sign(keys, idc), json_userinfo(ui), {"identity": psc_identity(nid, idc, ui, doctor)})

    idc = psc_id_claims(nid, acr=None)
    add("psc_missing_acr_counts_as_eidas1", "PSC id_token without acr: accepted (counts as eidas1)",
        "prosanteconnect", sign(keys, idc), json_userinfo(ui),
        {"identity": psc_identity(nid, idc, ui, doctor, acr=None)})

    idc = psc_id_claims(nid)
    add("psc_userinfo_signed_jwt", "PSC answering a signed userinfo JWT", "prosanteconnect",
        sign(keys, idc), jwt_userinfo(dict(ui, iss=PSC_ISS, aud=CLIENT_ID)),
        {"identity": psc_identity(nid, idc, dict(ui, iss=PSC_ISS, aud=CLIENT_ID), doctor)})

    adeli = "0691234567"
    pharm_ex = [{"codeProfession": "21", "codeCategorieProfessionnelle": "C", "codeCiviliteDexercice": "MME",
                 "nomDexercice": "LAMBERT", "prenomDexercice": "Claire", "codeTypeSavoirFaire": "",
                 "codeSavoirFaire": "", "activities": [
                     empty_activity(codeModeExercice="L", codeSectionPharmacien="A",
                                    numeroSiretSite="85249357100017", raisonSocialeSite="PHARMACIE DU MARCHE")]}]
    idc = psc_id_claims(adeli)
    ui2 = psc_userinfo(adeli, pharm_ex, given_name="Claire", family_name="LAMBERT",
                       SubjectOrganization="PHARMACIE DU MARCHE")
    ui2["SubjectRefPro"] = {"exercices": pharm_ex}
    ui2["codeCivilite"] = "MME"
    pharmacist = {"national_id": adeli, "id_kind": "adeli", "rpps": None, "adeli": "691234567",
                  "civility": "MME", "organization": "PHARMACIE DU MARCHE", "exercices": [
                      {"profession_code": "21", "category_code": "C", "civility": "MME", "last_name": "LAMBERT",
                       "first_name": "Claire", "savoir_faire_type": None, "savoir_faire_code": None,
                       "activities": [expected_activity(mode="L", pharmacist_section="A",
                                                        siret="85249357100017", name="PHARMACIE DU MARCHE")]}]}
    add("psc_pharmacist_adeli", "ADELI-style idNat (0 + 9 digits); civility at top level (2024 shape)",
        "prosanteconnect", sign(keys, idc), json_userinfo(ui2),
        {"identity": psc_identity(adeli, idc, ui2, pharmacist, given_name="Claire", family_name="LAMBERT")})

    edit = "ANS20210107161422"
    idc = psc_id_claims(edit)
    ui3 = psc_userinfo(edit, [])
    other = {"national_id": edit, "id_kind": "other", "rpps": None, "adeli": None, "civility": "M",
             "organization": "CABINET DU DR BERNARD", "exercices": []}
    add("psc_edit_test_identity", "EDIT test identity: id_kind other, no exercice", "prosanteconnect",
        sign(keys, idc), json_userinfo(ui3), {"identity": psc_identity(edit, idc, ui3, other)})

    idc = psc_id_claims(nid)
    add("psc_profession_allowed", "allowed_profession_codes contains 40 (second exercice)", "prosanteconnect",
        sign(keys, idc), json_userinfo(ui), {"identity": psc_identity(nid, idc, ui, doctor)},
        cfg=config("prosanteconnect", policy={"allowed_profession_codes": ["40"]}))

    def psc_fail(name, description, code, id_token=None, userinfo=None, **kw):
        add(name, description, "prosanteconnect", id_token or sign(keys, psc_id_claims(nid)),
            userinfo if userinfo is not None else json_userinfo(ui), {"error": code}, **kw)

    psc_fail("psc_profession_not_allowed", "only pharmacists (21) allowed", "access_denied",
             cfg=config("prosanteconnect", policy={"allowed_profession_codes": ["21"]}))
    psc_fail("psc_unknown_acr", "PSC acr outside its values", "unknown_acr",
             sign(keys, psc_id_claims(nid, acr="substantial")))
    psc_fail("psc_userinfo_other_sub", "userinfo of another professional", "userinfo_subject_mismatch",
             userinfo=json_userinfo(dict(ui, sub=psc_sub("810000000001"))))
    psc_fail("psc_unsigned_when_required", "client requires a signed userinfo, PSC sends JSON",
             "userinfo_not_signed", cfg=config("prosanteconnect", userinfo_signed=True))
    psc_fail("psc_wrong_issuer", "ProConnect issuer in a PSC token", "issuer_mismatch",
             sign(keys, psc_id_claims(nid, iss=PC_ISS)))
    psc_fail("psc_oversized_userinfo", "a userinfo of 600 KB", "response_too_large",
             userinfo=json_userinfo(dict(ui, padding="x" * 600000)))

    # ---- Third batch: signature encodings, required claims, exact-match rules, boundaries
    good = sign(keys, pc_id_claims())
    h, p, s = good.split(".")
    sig = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    sig[-1] ^= 0x01
    pc_fail("pc_tampered_signature", "one bit of the RS256 signature flipped", "invalid_signature",
            f"{h}.{p}.{b64(bytes(sig))}")
    es_good = sign(keys, pc_id_claims(), "ES256", "ec-1")
    eh, ep, _ = es_good.split(".")
    der = keys.ec.sign(f"{eh}.{ep}".encode(), ec.ECDSA(hashes.SHA256()))
    pc_fail("pc_es256_der_signature", "ES256 signature DER-encoded (RFC 7518 §3.4 requires R||S)",
            "invalid_signature", f"{eh}.{ep}.{b64(der)}",
            userinfo=jwt_userinfo(PC_USERINFO, "ES256", "ec-1"),
            cfg=config("proconnect", id_token_alg="ES256", userinfo_alg="ES256"))
    pc_fail("pc_rs256_when_hs256_registered", "RS256 token, client registered HS256 (EP §2.3.4)",
            "unsupported_algorithm", cfg=config("proconnect", id_token_alg="HS256", userinfo_alg="HS256"))
    pc_fail("pc_userinfo_es256_when_rs256_registered", "userinfo ES256 while the client registered RS256",
            "unsupported_algorithm", userinfo=jwt_userinfo(PC_USERINFO, "ES256", "ec-1"),
            cfg=config("proconnect", id_token_alg="RS256", userinfo_alg="RS256"))
    pc_fail("pc_missing_iat", "id_token without iat (REQUIRED, OIDC Core §2)", "malformed_response",
            sign(keys, pc_id_claims(iat=None)))
    pc_fail("pc_exp_not_a_number", "exp as a string (RFC 7519 NumericDate is a number)", "malformed_response",
            sign(keys, pc_id_claims(exp=str(NOW + 60))))
    pc_fail("pc_missing_aud", "id_token without aud (REQUIRED, OIDC Core §2)", "audience_mismatch",
            sign(keys, pc_id_claims(aud=None)))
    pc_fail("pc_issuer_trailing_slash", "iss with a trailing slash (exact match, OIDC Core §3.1.3.7)",
            "issuer_mismatch", sign(keys, pc_id_claims(iss=PC_ISS + "/")))
    no_sub_ui = {k: v for k, v in PC_USERINFO.items() if k != "sub"}
    pc_fail("pc_userinfo_no_sub", "userinfo without sub (must equal the id_token's, OIDC Core §5.3.2)",
            "userinfo_subject_mismatch", userinfo=jwt_userinfo(no_sub_ui))
    pc_fail("pc_acr_absent_nothing_required", "no acr returned, nothing required: presence is checked",
            "acr_insufficient", sign(keys, pc_id_claims(acr=None)))
    pc_fail("pc_expired_at_leeway_boundary", "exp exactly 30 s ago: not before exp + leeway (RFC 7519 §4.1.4)",
            "token_expired", sign(keys, pc_id_claims(exp=NOW - 30)))
    pc_fail("pc_leeway_zero_expired", "leeway_secs 0, exp 5 s ago", "token_expired",
            sign(keys, pc_id_claims(exp=NOW - 5)), cfg=config("proconnect", leeway_secs=0))

    idc = pc_id_claims(iat=NOW + 30)
    add("pc_iat_at_leeway_boundary", "iat exactly 30 s ahead: not beyond the default leeway", "proconnect",
        sign(keys, idc), jwt_userinfo(PC_USERINFO), {"identity": pc_identity(idc, PC_USERINFO)})

    idc = psc_id_claims(nid)
    add("psc_mfa_required_cps", "MFA required: PSC means (CPx card + PIN, e-CPS) are two-factor; eidas1",
        "prosanteconnect", sign(keys, idc), json_userinfo(ui), {"identity": psc_identity(nid, idc, ui, doctor)},
        pend=pending("prosanteconnect", None, True))

    psc_fail("psc_email_unverified", "PSC sends an email marked email_verified false", "email_not_verified",
             userinfo=json_userinfo(dict(ui, email="paul.bernard@exemple.fr")))

    structure = "31234567890"
    idc = psc_id_claims(structure)
    ui4 = psc_userinfo(structure, [])
    struct_psc = {"national_id": structure, "id_kind": "other", "rpps": None, "adeli": None, "civility": "M",
                  "organization": "CABINET DU DR BERNARD", "exercices": []}
    add("psc_structure_prefix_other", "idNat with prefix 3 (structure/internal id): id_kind other",
        "prosanteconnect", sign(keys, idc), json_userinfo(ui4), {"identity": psc_identity(structure, idc, ui4, struct_psc)})

    # "Strip the prefix to get the raw RPPS. Do not assume 11 digits." (PSC fact sheet §7 item 4)
    short = "81234567890"
    idc = psc_id_claims(short)
    ui5 = psc_userinfo(short, [])
    short_psc = {"national_id": short, "id_kind": "rpps", "rpps": "1234567890", "adeli": None, "civility": "M",
                 "organization": "CABINET DU DR BERNARD", "exercices": []}
    add("psc_rpps_not_eleven_digits", "idNat 8 + a 10-digit RPPS: prefix stripped, length not assumed",
        "prosanteconnect", sign(keys, idc), json_userinfo(ui5), {"identity": psc_identity(short, idc, ui5, short_psc)})

    # A pending login belongs to one provider and one client id: a host with several clients must
    # not complete a login started for another (its nonce and acr requirement are not ours).
    pc_fail("pc_pending_of_another_client", "pending login started for another client id", "no_pending_login",
            pend=dict(pending("proconnect"), client_id="another-client"))
    pc_fail("pc_pending_of_another_provider", "pending login started for Pro Santé Connect", "no_pending_login",
            pend=dict(pending("prosanteconnect")))

    # ---- Algorithms per provider: ProConnect signs ES256|RS256|HS256 only; PSC's Keycloak also PS256;
    # HS256 only where the client registered it (docs/architecture.md §2 verify); alg none never.
    ps_jwks = {"keys": [Keys.rsa_jwk(keys.rsa, "rsa-1") | {"alg": "PS256"}, keys.ec_jwk("ec-1")]}
    pc_fail("pc_ps256_not_a_proconnect_alg", "PS256 id_token: ProConnect registers ES256, RS256 or HS256 only",
            "unsupported_algorithm", sign(keys, pc_id_claims(), "PS256"), jwks_doc=ps_jwks)
    idc = psc_id_claims(nid)
    add("psc_ps256", "PSC id_token PS256 (Keycloak, advertised by the PSC discovery)", "prosanteconnect",
        sign(keys, idc, "PS256"), json_userinfo(ui), {"identity": psc_identity(nid, idc, ui, doctor)},
        jwks_doc=ps_jwks)
    idc = psc_id_claims(nid)
    add("psc_hs256_registered", "PSC id_token HS256 keyed with the client secret, client registered HS256",
        "prosanteconnect", sign(keys, idc, "HS256", None), json_userinfo(ui),
        {"identity": psc_identity(nid, idc, ui, doctor)}, cfg=config("prosanteconnect", id_token_alg="HS256"))
    psc_fail("psc_hs256_not_registered", "PSC id_token HS256 while the client registered nothing",
             "unsupported_algorithm", sign(keys, psc_id_claims(nid), "HS256", None))
    psc_fail("psc_userinfo_alg_none", "PSC userinfo JWT with alg none (listed by PSC discovery, never accepted)",
             "unsupported_algorithm", userinfo=jwt_userinfo(dict(ui, iss=PSC_ISS, aud=CLIENT_ID), "none", None))

    # ---- Allow-lists compare whole values, never prefixes or suffixes
    lookalike = dict(PC_USERINFO, email="alice.martin@interieur.gouv.fr.attacker.example")
    pc_fail("pc_email_domain_suffix_lookalike", "allowed interieur.gouv.fr; email at interieur.gouv.fr.attacker.example",
            "access_denied", userinfo=jwt_userinfo(lookalike),
            cfg=config("proconnect", policy={"allowed_email_domains": ["interieur.gouv.fr"]}))
    lookalike = dict(PC_USERINFO, email="alice.martin@evil-interieur.gouv.fr")
    pc_fail("pc_email_domain_prefix_lookalike", "allowed interieur.gouv.fr; email at evil-interieur.gouv.fr",
            "access_denied", userinfo=jwt_userinfo(lookalike),
            cfg=config("proconnect", policy={"allowed_email_domains": ["interieur.gouv.fr"]}))
    pc_fail("pc_siret_prefix_not_allowed", "allowed_sirets holds the SIREN 110001013 only: a SIRET is 14 digits",
            "access_denied", cfg=config("proconnect", policy={"allowed_sirets": ["110001013"]}))
    return out


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    written = cases(Keys())
    for case in written:
        (target / f"{case['name']}.json").write_text(
            json.dumps(case, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(written)} vectors to {target}")


if __name__ == "__main__":
    main()
