#!/usr/bin/env bash
# Stops the daemons start.sh DIR started (by the process ids it recorded,
# nothing else): slurmd first, so running jobs are ended by their own node
# daemon, then slurmctld and munged; then removes DIR.
# Usage: stop.sh DIR   (MLFORM_SLURM_KEEP=1 keeps DIR for its logs)
set -uo pipefail
dir=${1:?usage: stop.sh DIR}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
. "$(dirname "$0")/common.sh"

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
# after_stop NAME (stop_daemons' hook): once slurmd is gone, the steps
# it left. A step's own process group holds the job's processes
# (proctrack/pgid); stepd and job go together.
after_stop() {
	[ "$1" = slurmd ] || return 0
	local p c
	for p in "${steps[@]}"; do
		for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
			kill -KILL -- "-$c" 2>/dev/null
		done
		kill -KILL "$p" 2>/dev/null
	done
}
stop_daemons "$dir" slurmd slurmctld munged
remove_dir "$dir" "configuration, state and logs"
