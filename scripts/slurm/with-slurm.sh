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
with_cluster "$here" "$@"
