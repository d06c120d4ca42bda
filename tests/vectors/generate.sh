#!/usr/bin/env bash
# Regenerates tests/vectors/*.json (fresh keys, fresh signatures, the same hand-written
# expectations). Installs its one dependency in a venv under .build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="$root/.build/vectors-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "cryptography>=42"
fi
rm -f "$here"/*.json
"$venv/bin/python" "$here/generator/generate.py" "$here"
# FranceConnect / FranceConnect+ (fc_*, fcp_*): the same login format, their own generator (JWE).
"$venv/bin/python" "$here/generator/franceconnect.py" "$here"
