#!/usr/bin/env bash
# Install Debian's nginx when it is absent (the --via nginx / nginx-guide routes
# and their tests run it on loopback). Idempotent; needs root and a reachable
# Debian mirror, as on CI. The package's own service is never started: a
# policy-rc.d denies service starts for the duration of the install.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-nginx: nginx is not installed and this is not root; run: sudo apt-get install -y nginx-light" >&2
  exit 1
fi
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]
echo "ensure-nginx: $(/usr/sbin/nginx -v 2>&1)" >&2
