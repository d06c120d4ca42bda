#!/usr/bin/env bash
# Installs Debian's Redis server for the scale-out tests when it is missing (the machines and CI
# run as root; nothing interactive). The tests start their own server; the package's service is
# not used, and the package's postinst tries to start it only where an init system runs.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "redis-server is missing: install Debian's 'redis-server' package (apt-get install redis-server)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
command -v redis-server
