#!/usr/bin/env bash
# Stops the servers start.sh DIR started (by the process ids it recorded,
# nothing else) and removes DIR with their data.
# Usage: stop.sh DIR
set -uo pipefail
dir=${1:?usage: stop.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
pids=()
for f in "$dir"/*.pid; do
	[ -e "$f" ] || continue
	pid=$(cat "$f")
	case $pid in '' | *[!0-9]*) continue ;; esac
	# Only a process whose command line names this DIR is ours: a server
	# that died early may have had its pid reused by something else.
	ps -o args= -p "$pid" 2>/dev/null | grep -qF -- "$dir" || continue
	# Each server leads its own process group (setsid): end the group so
	# helper processes go too.
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	pids+=("$pid")
done
for pid in "${pids[@]}"; do
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
done
if [ "${MLFORM_CLOUD_KEEP:-}" = 1 ]; then
	echo "cloud: kept server data and logs in $dir" >&2
else
	rm -rf "$dir"
fi
