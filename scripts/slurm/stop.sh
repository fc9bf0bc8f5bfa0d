#!/usr/bin/env bash
# Stops the daemons start.sh DIR started (by the process ids it recorded,
# nothing else): slurmd first, so running jobs are ended by their own node
# daemon, then slurmctld and munged; then removes DIR.
# Usage: stop.sh DIR   (MLFORM_SLURM_KEEP=1 keeps DIR for its logs)
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

# Job steps run under slurmstepd, which slurmd detaches into sessions of
# their own; they are this cluster's when their environment names its
# slurm.conf (start.sh exports SLURM_CONF before starting slurmd). End them
# after slurmd, which would otherwise start no new ones but keep these.
steps=()
for env in /proc/[0-9]*/environ; do
	p=${env#/proc/}
	p=${p%/environ}
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = slurmstepd ] || continue
	tr '\0' '\n' <"$env" 2>/dev/null | grep -qxF "SLURM_CONF=$dir/slurm.conf" && steps+=("$p")
done
for name in slurmd slurmctld munged; do
	f="$dir/$name.pid"
	[ -e "$f" ] || continue
	pid=$(cat "$f")
	case $pid in '' | *[!0-9]*) continue ;; esac
	# Only a process whose command line names this DIR is ours: a daemon
	# that died early may have had its pid reused by something else.
	ps -o args= -p "$pid" 2>/dev/null | grep -qF -- "$dir" || continue
	# Each daemon leads its own session and process group (setsid).
	stop_pid "$pid"
	if [ "$name" = slurmd ]; then
		# A step's own process group holds the job's processes
		# (proctrack/pgid); stepd and job go together.
		for p in "${steps[@]}"; do
			for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
				kill -KILL -- "-$c" 2>/dev/null
			done
			kill -KILL "$p" 2>/dev/null
		done
	fi
done
if [ "${MLFORM_SLURM_KEEP:-}" = 1 ]; then
	echo "slurm: kept configuration, state and logs in $dir" >&2
else
	rm -rf "$dir"
fi
