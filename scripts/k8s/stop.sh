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
# stop_pid PID: TERM its process group, wait up to 10s, then KILL.
stop_pid() {
	local pid=$1
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
}
for name in vknode kube-scheduler kube-controller-manager kube-apiserver etcd; do
	f="$dir/$name.pid"
	[ -e "$f" ] || continue
	pid=$(cat "$f")
	case $pid in '' | *[!0-9]*) continue ;; esac
	# Only a process whose command line names this DIR is ours: a daemon
	# that died early may have had its pid reused by something else.
	ps -o args= -p "$pid" 2>/dev/null | grep -qF -- "$dir" || continue
	# Each daemon leads its own session and process group (setsid).
	stop_pid "$pid"
done
if [ "${MLFORM_K8S_KEEP:-}" = 1 ]; then
	echo "k8s: kept certificates, etcd data and logs in $dir" >&2
else
	rm -rf "$dir"
fi
