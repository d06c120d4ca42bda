#!/usr/bin/env bash
# Downloads Keycloak (cached under .build/), installs the gouvconnect extension, imports the
# realm `gouvconnect` configured from the example-contract environment and starts Keycloak on
# 127.0.0.1:$PORT (admin/admin, loopback only).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=${KEYCLOAK_VERSION:-26.7.3}
build="$root/.build"
home="$build/keycloak/keycloak-$version"
mvn_="mvn -B -q -Dmaven.repo.local=$build/m2"

if [ ! -x "$home/bin/kc.sh" ]; then
  zip="$build/keycloak/keycloak-quarkus-dist-$version.zip"
  [ -f "$zip" ] || $mvn_ dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" -DoutputDirectory="$build/keycloak"
  (cd "$build/keycloak" && unzip -q -o "$zip")
fi

jar="$root/keycloak-ext/target/gouvconnect-keycloak-0.1.0.jar"
if [ ! -f "$jar" ] || [ -n "$(find "$root/keycloak-ext/src" "$root/core/src" "$root/keycloak-ext/native/src" -newer "$jar" -type f | head -1)" ]; then
  (cd "$root/keycloak-ext" && $mvn_ -DskipTests package)
fi
# Copied then renamed: another run starting from the same home never reads a half-written jar.
cp "$jar" "$home/providers/.gouvconnect-keycloak.jar.$$"
mv -f "$home/providers/.gouvconnect-keycloak.jar.$$" "$home/providers/$(basename "$jar")"

# proconnect, prosanteconnect, franceconnect or franceconnect_plus (the example contract's names).
provider=${GOUVCONNECT_PROVIDER:-proconnect}
python3 - "$root/examples/keycloak/realm.template.json" "$home/data/import/gouvconnect-realm.json" "$provider" <<'PY'
import json, os, sys
template, target, provider = sys.argv[1], sys.argv[2], sys.argv[3]
env = os.environ
active = {
    "ENABLED": "true",
    "CLIENT_ID": env.get("GOUVCONNECT_CLIENT_ID", ""),
    "CLIENT_SECRET": env.get("GOUVCONNECT_CLIENT_SECRET", ""),
    "ENVIRONMENT": env.get("GOUVCONNECT_ENVIRONMENT", ""),
    "ISSUER": env.get("GOUVCONNECT_ISSUER", ""),
    "ACR": env.get("GOUVCONNECT_ACR", ""),
    # FranceConnect+: its private decryption keys (a JWKS or PEM file, or the text itself).
    "DECRYPTION_KEYS": (open(env["GOUVCONNECT_DECRYPTION_KEYS_FILE"], encoding="utf-8").read()
                        if env.get("GOUVCONNECT_DECRYPTION_KEYS_FILE") else env.get("GOUVCONNECT_DECRYPTION_KEYS", "")),
}
inactive = {"ENABLED": "false", "CLIENT_ID": "", "CLIENT_SECRET": "", "ENVIRONMENT": "", "ISSUER": "", "ACR": "",
            "DECRYPTION_KEYS": ""}
text = open(template, encoding="utf-8").read()
for prefix, name in (("PROCONNECT", "proconnect"), ("PSC", "prosanteconnect"), ("FC", "franceconnect"),
                     ("FCP", "franceconnect_plus")):
    values = active if name == provider else inactive
    for key, value in values.items():
        text = text.replace(f"@{prefix}_{key}@", json.dumps(value)[1:-1] if key != "ENABLED" else value)
json.loads(text)
os.makedirs(os.path.dirname(target), exist_ok=True)
open(target, "w", encoding="utf-8").write(text)
PY

# The example's realm follows the environment at every start: drop the previous dev database.
rm -rf "$home/data/h2"

# Keycloak's HTTP client does the extension's network: bound every wait on the provider (its
# connection timeout is unbounded by default), overridable from the environment.
export KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__ESTABLISH_CONNECTION_TIMEOUT_MILLIS=${KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__ESTABLISH_CONNECTION_TIMEOUT_MILLIS:-10000}
export KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__SOCKET_TIMEOUT_MILLIS=${KC_SPI_CONNECTIONS_HTTP_CLIENT__DEFAULT__SOCKET_TIMEOUT_MILLIS:-10000}

export KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin
exec "$home/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="${PORT:-8080}" --import-realm \
  --http-management-port="${KEYCLOAK_MANAGEMENT_PORT:-9000}" --log-console-output=default
