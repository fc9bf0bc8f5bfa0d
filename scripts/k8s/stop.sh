#!/usr/bin/env bash
# Stops the daemons start.sh DIR started (by the process ids it recorded,
# nothing else): the node first, so its containers are ended by it, then
# the scheduler, the controller manager and the API server, and etcd last
# (an API server losing etcd first logs errors for a while); then removes
# DIR.
# Usage: stop.sh DIR   (MLFORM_K8S_KEEP=1 keeps DIR for its logs)
set -uo pipefail
dir=${1:?usage: stop.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
. "$(dirname "$0")/common.sh"
stop_daemons "$dir" vknode kube-scheduler kube-controller-manager kube-apiserver etcd
remove_dir "$dir" "certificates, etcd data and logs"
