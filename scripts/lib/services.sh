# shellcheck shell=bash
# Helpers shared by the scripts that install and start test services on
# loopback (scripts/cloud, scripts/k8s, scripts/slurm); sourced, not run.

# have_tool LOG WHAT TOOL: TOOL is on PATH; otherwise LOG says WHAT is not
# installed for want of it, and this fails.
have_tool() {
	command -v "$3" >/dev/null 2>&1 && return 0
	"$1" "$2 not installed: $3 not found on PATH"
	return 1
}

# install_quietly LOG WHAT HOW CMD...: runs CMD, a first-run install, with
# its output kept aside: nobody needs its chatter unless it fails. If it
# fails, LOG says WHAT is not installed because HOW failed, the output's
# last lines follow on stderr, and this fails.
install_quietly() {
	local logfn=$1 what=$2 how=$3 out
	shift 3
	out=$(mktemp) || return 1
	if "$@" >"$out" 2>&1; then
		rm -f "$out"
		return 0
	fi
	"$logfn" "$what not installed: $how failed:"
	tail -n 5 "$out" >&2
	rm -f "$out"
	return 1
}

# port_in_use PORT: something listens on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: prints a port on 127.0.0.1 nothing listens on (the caller
# still retries if it is taken before its server binds it). It picks below
# the kernel's ephemeral range (ip_local_port_range), so the outgoing
# connections of tests running meanwhile cannot take it first.
free_port() {
	local p low=32768 high
	read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[ "$low" -gt 12000 ] 2>/dev/null || low=32768
	for _ in $(seq 1 100); do
		p=$((10000 + RANDOM % (low - 10000)))
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	return 1
}

# start_watchdog STOP DIR: if the calling script is killed outright
# (SIGKILL, so no trap runs), a watchdog in its own session still runs
# `STOP DIR` once the caller is gone (a zombie counts as gone: its parent
# may never reap it).
start_watchdog() {
	# shellcheck disable=SC2016  # the script is for the inner bash
	setsid bash -c '
		alive() {
			if [ -r "/proc/$1/stat" ]; then
				local st
				st=$(sed "s/.*) //" "/proc/$1/stat" 2>/dev/null) || return 1
				[ "${st%% *}" != Z ]
			else
				kill -0 "$1" 2>/dev/null
			fi
		}
		while alive "$1"; do sleep 1; done
		"$2" "$3"' watchdog "$$" "$1" "$2" </dev/null >/dev/null 2>&1 &
}
