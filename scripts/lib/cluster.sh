# shellcheck shell=bash
# The shell shared by the scripts that run a test cluster for `make test`
# (scripts/slurm, scripts/k8s): their start.sh, stop.sh and with-*.sh
# source this file after their common.sh, which sets
#   SVC      the cluster's word in variable names: SLURM, K8S
#   SVC_WHAT what it is, for messages ("Slurm test cluster")
# and defines <svc>_log and <svc>_required (e.g. slurm_log,
# slurm_required). Every daemon a start.sh launches runs in its own
# session under its DIR, recorded as DIR/NAME.pid; nothing else is ever
# signalled.

# svc_log MSG / svc_required: the cluster's own log and CI switch.
svc_log() { "${SVC,,}_log" "$@"; }
svc_required() { "${SVC,,}_required"; }

# --- start.sh (with $dir and $envfile set) ---------------------------

# start_dir DIR: makes DIR (absolute, in $dir) and an empty DIR/env (in
# $envfile), where start.sh writes the exports its tests read.
start_dir() {
	[ -n "$1" ] || { echo "usage: start.sh DIR" >&2; exit 2; }
	mkdir -p "$1" || exit 1
	dir=$(cd "$1" && pwd)
	envfile="$dir/env"
	: >"$envfile"
}

# unavailable REASON: records why the cluster cannot be used in DIR/env
# (MLFORM_TEST_<SVC>_UNAVAILABLE, so its tests skip with that reason) and
# exits 0, or 1 under MLFORM_REQUIRE_<SVC>_TESTS=1.
unavailable() {
	svc_log "$1"
	printf 'export MLFORM_TEST_%s_UNAVAILABLE=%q\n' "$SVC" "$1" >>"$envfile"
	if svc_required; then
		svc_log "MLFORM_REQUIRE_${SVC}_TESTS=1: the $SVC_WHAT must start"
		exit 1
	fi
	exit 0
}

# launch NAME CMD...: starts CMD in its own session (so stop.sh can end its
# whole process group), logging to DIR/NAME.out, pid in DIR/NAME.pid.
launch() {
	local name=$1
	shift
	setsid "$@" >"$dir/$name.out" 2>&1 </dev/null &
	echo "$!" >"$dir/$name.pid"
}

# wait_for NAME SECONDS CHECK...: polls CHECK until it succeeds, failing
# early when daemon NAME died.
wait_for() {
	local name=$1 secs=$2
	shift 2
	local pid
	pid=$(cat "$dir/$name.pid")
	for _ in $(seq 1 $((secs * 10))); do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# --- stop.sh -----------------------------------------------------------

# wait_gone PID: wait up to 10s for PID to end, then KILL its group.
wait_gone() {
	local pid=$1
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
}

# stop_daemons DIR NAME...: stops the daemons start.sh recorded in DIR:
# TERM to all of them at once (each takes one to two seconds to exit,
# which one after another made the stop the slowest step of a short
# run), then waits for each in the order given; after each has ended,
# the caller's after_stop NAME runs when it is defined. A pid whose
# command line does not name DIR is not ours (a daemon that died early
# may have had its pid reused) and is left alone.
stop_daemons() {
	local d=$1 name f pid i
	shift
	local names=() pids=()
	for name in "$@"; do
		f="$d/$name.pid"
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		case $pid in '' | *[!0-9]*) continue ;; esac
		ps -o args= -p "$pid" 2>/dev/null | grep -qF -- "$d" || continue
		# Each daemon leads its own session and process group (setsid).
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
		names+=("$name")
		pids+=("$pid")
	done
	for i in "${!pids[@]}"; do
		wait_gone "${pids[$i]}"
		if declare -F after_stop >/dev/null; then after_stop "${names[$i]}"; fi
	done
}

# remove_dir DIR WHAT: removes DIR, or with MLFORM_<SVC>_KEEP=1 keeps it
# and says so (WHAT: what it holds).
remove_dir() {
	local keep="MLFORM_${SVC}_KEEP"
	if [ "${!keep:-}" = 1 ]; then
		svc_log "kept $2 in $1"
	else
		rm -rf "$1"
	fi
}

# --- with-*.sh -----------------------------------------------------------

# with_cluster HERE COMMAND...: installs what is missing (HERE/install.sh),
# starts the cluster in a temporary directory (HERE/start.sh), runs COMMAND
# with DIR/env exported, and stops exactly the daemons it started
# afterwards (HERE/stop.sh), even when COMMAND fails or this script is
# interrupted or killed outright (a watchdog). MLFORM_<SVC>=off runs
# COMMAND with no cluster (an error under MLFORM_REQUIRE_<SVC>_TESTS=1).
# Exits with COMMAND's status.
with_cluster() {
	cluster_here=$1 # global: the EXIT trap reads it
	shift
	local off="MLFORM_${SVC}"
	if [ "${!off:-}" = off ]; then
		if svc_required; then
			svc_log "MLFORM_${SVC}=off conflicts with MLFORM_REQUIRE_${SVC}_TESTS=1"
			exit 1
		fi
		exec "$@"
	fi
	local t0 t1 t2 rc
	t0=$(date +%s.%N)
	"$cluster_here/install.sh" || svc_log "the $SVC_WHAT could not be installed; its tests will skip (or fail with MLFORM_REQUIRE_${SVC}_TESTS=1)"
	t1=$(date +%s.%N)
	cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/mlform-${SVC,,}.XXXXXX") || exit 1
	trap '"$cluster_here/stop.sh" "$cluster_dir"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	"$cluster_here/start.sh" "$cluster_dir" || exit 1
	# Stops the daemons even if this script is killed outright.
	start_watchdog "$cluster_here/stop.sh" "$cluster_dir"
	t2=$(date +%s.%N)
	svc_log "$(awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "install check %.1fs, start %.1fs", b - a, c - b }')"
	# shellcheck source=/dev/null  # written by start.sh
	. "$cluster_dir/env"
	"$@"
	rc=$?
	svc_log "$SVC_WHAT ran $(awk -v a="$t2" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')s"
	exit $rc
}
