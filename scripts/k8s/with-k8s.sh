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
with_cluster "$here" "$@"
