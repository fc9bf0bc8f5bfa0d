#!/usr/bin/env bash
# Installs Debian's chromium for the report's real-browser test
# (report/browser_test.go), the way scripts/cloud/install.sh installs the
# cloud servers: once, outside the checkout (the system package manager
# keeps it), skipped when a browser is already there. Nothing is cached in
# the repository.
#
# Usage: scripts/browser/install.sh
# MLFORM_BROWSER=off skips the install (the browser test then skips, or
# fails under MLFORM_REQUIRE_BROWSER_TESTS=1). MLFORM_CHROMIUM names a
# browser binary to use instead.
# Exits non-zero when no browser is available afterwards.
set -uo pipefail

log() { echo "browser: $*" >&2; }

if [ "${MLFORM_BROWSER:-}" = off ]; then
	log "MLFORM_BROWSER=off: not installing chromium"
	exit 0
fi
if [ -n "${MLFORM_CHROMIUM:-}" ] && [ -x "${MLFORM_CHROMIUM}" ]; then
	exit 0
fi
for b in chromium chromium-browser; do
	if command -v "$b" >/dev/null 2>&1; then
		exit 0
	fi
done

if ! command -v apt-get >/dev/null 2>&1; then
	log "chromium not installed: no apt-get here (install chromium, or set MLFORM_CHROMIUM)"
	exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo=(sudo -n)
	else
		log "chromium not installed: apt-get needs root (run: sudo apt-get install -y chromium)"
		exit 1
	fi
fi
log "installing Debian's chromium (first run only; takes a minute)"
tmp=$(mktemp) || exit 1
if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >"$tmp" 2>&1 &&
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >>"$tmp" 2>&1 &&
	command -v chromium >/dev/null 2>&1; then
	rm -f "$tmp"
	exit 0
fi
log "chromium not installed: apt-get failed:"
tail -n 5 "$tmp" >&2
rm -f "$tmp"
exit 1
