#!/usr/bin/env bash
# Runs a command (normally `go test ./...`) with a Kubernetes control plane
# and one node running on 127.0.0.1: installs what is missing (etcd with
# apt-get; the plane and node built from Go modules and cached, see
# install.sh), starts them in a temporary directory (start.sh), exports
# MLFORM_TEST_KUBECONFIG and what else the tests need, runs the command,
# and stops exactly the daemons it started afterwards, even when the
# command fails or is interrupted.
#
# Usage: scripts/k8s/with-k8s.sh COMMAND [ARGS...]
# It nests with scripts/cloud/with-servers.sh and scripts/slurm/with-slurm.sh.
# Without the binaries (no go, no network, not root for etcd) the
# Kubernetes tests skip with one line each; with MLFORM_REQUIRE_K8S_TESTS=1
# that is a failure instead. MLFORM_K8S=off runs COMMAND with no plane at
# all.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

[ $# -gt 0 ] || { echo "usage: with-k8s.sh COMMAND [ARGS...]" >&2; exit 2; }

if [ "${MLFORM_K8S:-}" = off ]; then
	if k8s_required; then
		k8s_log "MLFORM_K8S=off conflicts with MLFORM_REQUIRE_K8S_TESTS=1"
		exit 1
	fi
	exec "$@"
fi

t0=$(date +%s.%N)
"$here/install.sh" || k8s_log "the control plane could not be installed; its tests will skip (or fail with MLFORM_REQUIRE_K8S_TESTS=1)"
t1=$(date +%s.%N)

dir=$(mktemp -d "${TMPDIR:-/tmp}/mlform-k8s.XXXXXX") || exit 1
trap '"$here/stop.sh" "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$here/start.sh" "$dir" || exit 1
# Stops the daemons even if this script is killed outright.
start_watchdog "$here/stop.sh" "$dir"
t2=$(date +%s.%N)
k8s_log "$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "install check %.1fs, start %.1fs", b - a, c - b }')"

# shellcheck source=/dev/null  # written by start.sh
. "$dir/env"
"$@"
rc=$?
k8s_log "plane ran $(awk -v a="$t2" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')s"
exit $rc
