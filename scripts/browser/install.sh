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

# shellcheck source=scripts/lib/apt.sh
. "$(dirname "$0")/../lib/apt.sh"
apt_install log chromium chromium && command -v chromium >/dev/null 2>&1
