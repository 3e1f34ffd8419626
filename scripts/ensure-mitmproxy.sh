#!/usr/bin/env bash
# Install Debian's mitmproxy (mitmdump) when it is absent (the --via mitmproxy /
# mitmproxy-guide routes and their tests run it on loopback). Idempotent;
# needs root and a reachable Debian mirror, as on CI.
set -euo pipefail
if command -v mitmdump >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-mitmproxy: mitmdump is not installed and this is not root; run: sudo apt-get install -y mitmproxy" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends mitmproxy >/dev/null
command -v mitmdump >/dev/null 2>&1
echo "ensure-mitmproxy: $(mitmdump --version 2>/dev/null | head -1)" >&2
