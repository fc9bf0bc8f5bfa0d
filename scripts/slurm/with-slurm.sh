#!/usr/bin/env bash
# Runs a command (normally `go test ./...`) with a single-node Slurm
# cluster running on 127.0.0.1: installs slurm-wlm and munge if missing
# (apt-get), starts the cluster in a temporary directory, exports SLURM_CONF
# and what the tests need, runs the command, and stops exactly the daemons
# it started afterwards, even when the command fails or is interrupted.
#
# Usage: scripts/slurm/with-slurm.sh COMMAND [ARGS...]
# It nests with scripts/cloud/with-servers.sh (either order).
# Without the packages (not root, no apt-get, no network) the Slurm tests
# skip with one line each; with MLFORM_REQUIRE_SLURM_TESTS=1 that is a
# failure instead. MLFORM_SLURM=off runs COMMAND with no cluster at all.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

[ $# -gt 0 ] || { echo "usage: with-slurm.sh COMMAND [ARGS...]" >&2; exit 2; }

if [ "${MLFORM_SLURM:-}" = off ]; then
	if slurm_required; then
		slurm_log "MLFORM_SLURM=off conflicts with MLFORM_REQUIRE_SLURM_TESTS=1"
		exit 1
	fi
	exec "$@"
fi

t0=$(date +%s.%N)
"$here/install.sh" || slurm_log "slurm-wlm could not be installed; its tests will skip (or fail with MLFORM_REQUIRE_SLURM_TESTS=1)"
t1=$(date +%s.%N)

dir=$(mktemp -d "${TMPDIR:-/tmp}/mlform-slurm.XXXXXX") || exit 1
trap '"$here/stop.sh" "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$here/start.sh" "$dir" || exit 1
# Stops the servers even if this script is killed outright.
start_watchdog "$here/stop.sh" "$dir"
t2=$(date +%s.%N)
slurm_log "$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "install check %.1fs, start %.1fs", b - a, c - b }')"

# shellcheck source=/dev/null  # written by start.sh
. "$dir/env"
"$@"
rc=$?
slurm_log "cluster ran $(awk -v a="$t2" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')s"
exit $rc
