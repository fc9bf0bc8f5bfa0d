#!/usr/bin/env bash
# Runs a command (normally `go test ./...`) with S3, GCS and Azure servers
# running on 127.0.0.1: installs them if missing (cached), starts them,
# exports what the tests need, runs the command, and stops the servers
# afterwards even when the command fails or is interrupted.
#
# Usage: scripts/cloud/with-servers.sh COMMAND [ARGS...]
# Without the tools (no go/npm, no network) the cloud tests skip with one
# line each; with MLFORM_REQUIRE_CLOUD_TESTS=1 that is a failure instead.
# MLFORM_CLOUD=off runs COMMAND with no servers at all.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

[ $# -gt 0 ] || { echo "usage: with-servers.sh COMMAND [ARGS...]" >&2; exit 2; }

if [ "${MLFORM_CLOUD:-}" = off ]; then
	if cloud_required; then
		cloud_log "MLFORM_CLOUD=off conflicts with MLFORM_REQUIRE_CLOUD_TESTS=1"
		exit 1
	fi
	exec "$@"
fi

t0=$(date +%s)
"$here/install.sh" || cloud_log "some servers could not be installed; their tests will skip (or fail with MLFORM_REQUIRE_CLOUD_TESTS=1)"
t1=$(date +%s)

dir=$(mktemp -d "${TMPDIR:-/tmp}/mlform-cloud.XXXXXX") || exit 1
trap '"$here/stop.sh" "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$here/start.sh" "$dir" || exit 1
# Stops the servers even if this script is killed outright.
start_watchdog "$here/stop.sh" "$dir"
t2=$(date +%s)
cloud_log "install check $((t1 - t0))s, start $((t2 - t1))s"

# shellcheck source=/dev/null  # written by start.sh
. "$dir/env"
"$@"
rc=$?
cloud_log "servers ran $(($(date +%s) - t2))s"
exit $rc
