#!/usr/bin/env bash
# Make sure Debian's chromium is installed at /usr/bin/chromium (the HTML
# report's browser test drives it headless through playwright-core).
# Idempotent: does nothing when the binary is already there. Needs root (CI
# runs as root) and a reachable Debian mirror.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: $CHROMIUM is missing and installing it needs root (run: sudo apt-get install -y chromium)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
started=$(date +%s)
echo "ensure-chromium: installing Debian's chromium (apt-get)…" >&2
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready in $(( $(date +%s) - started )) s" >&2
