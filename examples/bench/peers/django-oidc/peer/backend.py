"""mozilla-django-oidc reads the userinfo response as JSON; ProConnect signs it (application/jwt).

What this peer verifies: state, nonce, PKCE, the id_token (signature with the JWKS for
OIDC_RP_SIGN_ALGO, plus what josepy/mozilla-django-oidc check), and the userinfo JWT's signature
with the same JWKS (the library's own helpers). What it does NOT check on the userinfo JWT: iss,
aud, exp, nor that its sub equals the id_token's (the library has no such step)."""

import json

import requests
from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class SignedUserinfoBackend(OIDCAuthenticationBackend):
    def get_userinfo(self, access_token, id_token, payload):
        resp = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            verify=self.get_settings("OIDC_VERIFY_SSL", True),
            timeout=self.get_settings("OIDC_TIMEOUT", None),
        )
        resp.raise_for_status()
        if resp.headers.get("content-type", "").startswith("application/jwt"):
            token = resp.content
            key = self.retrieve_matching_jwk(token)
            return json.loads(self._verify_jws(token, key).decode("utf-8"))
        return resp.json()
