# Sourced by bench-e2e.sh: Keycloak with our `proconnect` identity provider vs Keycloak's
# built-in `oidc` broker on the same emulator issuer, same client, same Keycloak (one start).
#
# The built-in broker is configured as Keycloak's server administration guide describes an
# OpenID Connect v1.0 identity provider: the endpoints from the provider's discovery document,
# "Validate Signatures" on with "Use JWKS URL" (the provider's jwks_uri), the issuer checked,
# client secret sent as post, PKCE on (S256), userinfo kept on (the emulator answers with a signed
# JWT, which the broker verifies with the same keys). It sends a 22-character nonce: the emulator
# runs as the federation is deployed (lib.sh: --strictness as-deployed, nonce optional and any
# length from 1, unknown parameters ignored), so both sides log in.
kp=$(free_port) km=$(free_port)
GOUVCONNECT_PROVIDER=proconnect GOUVCONNECT_ISSUER=$ISSUER GOUVCONNECT_CLIENT_ID=$CID GOUVCONNECT_CLIENT_SECRET=$CSECRET \
  PORT=$kp KEYCLOAK_MANAGEMENT_PORT=$km start keycloak bash "$ROOT/examples/keycloak/run.sh"
KC=http://127.0.0.1:$kp
wait_http "$KC/realms/gouvconnect/.well-known/openid-configuration" 300
token=$(curl -sf -d grant_type=password -d client_id=admin-cli -d username=admin -d password=admin \
  "$KC/realms/master/protocol/openid-connect/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# The built-in broker does the same per-login work as the example realm's `proconnect` provider
# (realm.template.json): sync mode FORCE (the user updated at every login), the same scopes (the
# core's ProConnect defaults), the same user attributes (siret, idp_id, acr) through Keycloak's
# claim → attribute mappers, and a group (agents-publics, which ours grants `agent` by its rule)
# through a hardcoded-group mapper. BENCH_KC_BUILTIN_SYNC=IMPORT (Keycloak's default: the user and
# the mappers written at the first login only) measures the built-in broker doing less than ours.
# Printed with the results.
BUILTIN_SYNC=${BENCH_KC_BUILTIN_SYNC:-FORCE}
python3 - "$ISSUER" "$CID" "$CSECRET" "$BUILTIN_SYNC" >"$LOGDIR/builtin-idp.json" <<'PY'
import json, sys, urllib.request
issuer, cid, secret, sync = sys.argv[1:5]
d = json.load(urllib.request.urlopen(issuer + "/.well-known/openid-configuration"))
print(json.dumps({
    "alias": "builtin-oidc", "providerId": "oidc", "enabled": True, "trustEmail": True,
    "firstBrokerLoginFlowAlias": "first broker login",
    "config": {
        "issuer": issuer, "authorizationUrl": d["authorization_endpoint"], "tokenUrl": d["token_endpoint"],
        "userInfoUrl": d["userinfo_endpoint"], "jwksUrl": d["jwks_uri"], "useJwksUrl": "true",
        "validateSignature": "true", "clientId": cid, "clientSecret": secret,
        "clientAuthMethod": "client_secret_post",
        "defaultScope": "openid given_name usual_name email uid siret phone idp_id custom roles organization_label",
        "syncMode": sync, "pkceEnabled": "true", "pkceMethod": "S256",
    },
}))
PY
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
curl -sf "${auth[@]}" -d @"$LOGDIR/builtin-idp.json" "$KC/admin/realms/gouvconnect/identity-provider/instances"
# ProConnect names the last name usual_name: without this mapper the first login asks for it.
# Then the example realm's attributes, each a claim → attribute mapper following the broker's mode.
for m in lastName:usual_name siret:siret idp_id:idp_id acr:acr; do
  curl -sf "${auth[@]}" -d "{\"name\":\"${m%%:*}\",\"identityProviderAlias\":\"builtin-oidc\",\"identityProviderMapper\":\"oidc-user-attribute-idp-mapper\",\"config\":{\"claim\":\"${m#*:}\",\"user.attribute\":\"${m%%:*}\",\"syncMode\":\"INHERIT\"}}" \
    "$KC/admin/realms/gouvconnect/identity-provider/instances/builtin-oidc/mappers"
done
# The group ours grants (created here if our side has not yet: the mapper names an existing group).
curl -s -o /dev/null "${auth[@]}" -d '{"name":"agents-publics"}' "$KC/admin/realms/gouvconnect/groups"
curl -sf "${auth[@]}" -d '{"name":"agents-publics","identityProviderAlias":"builtin-oidc","identityProviderMapper":"oidc-hardcoded-group-idp-mapper","config":{"group":"/agents-publics","syncMode":"INHERIT"}}' \
  "$KC/admin/realms/gouvconnect/identity-provider/instances/builtin-oidc/mappers"
echo "  Keycloak ${KEYCLOAK_VERSION:-26.7.3}: idp proconnect (gouvconnect; syncMode FORCE, attribute + group mappers, from the example realm)"
if [ "$BUILTIN_SYNC" = FORCE ]; then
  echo "    vs builtin-oidc (providerId oidc; validateSignature + useJwksUrl, PKCE S256, signed userinfo; syncMode FORCE,"
  echo "    the same scopes, attributes siret/idp_id/acr + lastName, hardcoded group agents-publics: the same work per login)"
else
  echo "    vs builtin-oidc (providerId oidc; validateSignature + useJwksUrl, PKCE S256, signed userinfo; syncMode $BUILTIN_SYNC:"
  echo "    its mappers (lastName, siret/idp_id/acr, group agents-publics) run at the first login only — less work than ours)"
fi
kc_start() {
  echo "$KC/realms/gouvconnect/protocol/openid-connect/auth?client_id=demo-app&response_type=code&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=bench-state-0123456789abcdef0123456789&nonce=bench-nonce-0123456789abcdef0123456789&code_challenge_method=S256&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&kc_idp_hint=$1"
}
# Two different emulator users (agent for ours, employee for the built-in broker): with the same
# email the second broker would stop at Keycloak's "account already exists" page.
kc_ours() {
  run_load "Keycloak: proconnect IdP vs built-in oidc :: ours" browser --start "$(kc_start proconnect)" --user agent \
    --done-prefix http://127.0.0.1:9/cb >/dev/null
}
kc_peer() {
  # Reported, not fatal: a broker that cannot log in shows as such in the table (with
  # BENCH_STRICTNESS=docs-strict the emulator refuses the built-in broker's short nonce).
  run_load "Keycloak: proconnect IdP vs built-in oidc :: peer" browser --start "$(kc_start builtin-oidc)" --user employee \
    --done-prefix http://127.0.0.1:9/cb >/dev/null || echo "bench-e2e: the built-in oidc broker could not log in (reason above)" >&2
}
# A fresh Keycloak runs its first logins interpreted (JIT), its first broker logins create the
# users: both sides log in, untimed, for BENCH_KC_WARMUP seconds each (default 30) before the
# measured rounds, so that neither pays the JVM's warm-up in its figures.
kc_warm=${BENCH_KC_WARMUP:-30}
"$LOADGEN" browser --start "$(kc_start proconnect)" --user agent --done-prefix http://127.0.0.1:9/cb \
  --concurrency "$CONCURRENCY" --duration "$kc_warm" --warmup 0 --label warm-up >/dev/null || true
"$LOADGEN" browser --start "$(kc_start builtin-oidc)" --user employee --done-prefix http://127.0.0.1:9/cb \
  --concurrency "$CONCURRENCY" --duration "$kc_warm" --warmup 0 --label warm-up >/dev/null || true
for ((r = 1; r <= ROUNDS; r++)); do
  for side in $(round_order "$r"); do
    if [ "$side" = ours ]; then kc_ours; else kc_peer; fi
  done
done
