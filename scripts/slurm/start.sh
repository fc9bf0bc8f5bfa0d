#!/usr/bin/env bash
# Starts a single-node Slurm cluster on loopback for the tests: munged,
# slurmctld and slurmd, each in the foreground of its own session, with the
# configuration, munge key and socket, state, spool and logs all under DIR
# and free ports on 127.0.0.1. Nothing outside DIR is read or written
# (/etc/slurm and /etc/munge are never used: slurm.conf is passed with -f
# and SLURM_CONF, the munge socket with AuthInfo). Waits until sinfo shows
# the node idle, then writes DIR/env: shell exports that point the Slurm
# client commands and the Go tests (providers/executor/slurm) at it.
# Stop it with stop.sh DIR.
#
# Usage: start.sh DIR
#
# A cluster that is not installed or does not come up is recorded in
# DIR/env as MLFORM_TEST_SLURM_UNAVAILABLE=<reason>, so its tests skip with
# that reason; with MLFORM_REQUIRE_SLURM_TESTS=1 it is an error (exit 1).
set -uo pipefail
. "$(dirname "$0")/common.sh"

start_dir "${1:-}" # sets dir and envfile (scripts/lib/cluster.sh)

# The node's name in Slurm; slurmd is told it with -N, so it need not be
# this machine's host name.
NODE=mlformtest

# unavailable, launch and wait_for: scripts/lib/cluster.sh.
why() { # NAME: the last lines a daemon logged
	tail -n 3 "$dir/$1.log" "$dir/$1.out" 2>/dev/null | grep -v '^==>' | grep . | tail -n 3 | tr '\n' ' '
}

if ! slurm_installed; then
	unavailable "slurm tests: slurm-wlm/munge not installed (scripts/slurm/install.sh installs them; needs root and apt-get)"
fi

mkdir -p "$dir/munge" "$dir/state" "$dir/spool" || exit 1
chmod 700 "$dir/munge"

# munge: a fresh key for this cluster only.
if ! dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none; then
	unavailable "slurm tests: cannot write a munge key in $dir"
fi
chmod 400 "$dir/munge/munge.key"
launch munged munged --foreground --force \
	--socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
	--pid-file="$dir/munge/munged.pid" --log-file="$dir/munged.log" \
	--seed-file="$dir/munge/munged.seed"
if ! wait_for munged 30 test -S "$dir/munge/munge.socket"; then
	unavailable "slurm tests: munged did not start: $(why munged)"
fi

# start_cluster: picks ports, writes slurm.conf and starts slurmctld and
# slurmd, waiting for an idle node; on failure sets REASON and returns 1.
start_cluster() {
	ctl_port=$(free_port) && node_port=$(free_port) || { REASON="no free port on 127.0.0.1"; return 1; }
	[ "$ctl_port" != "$node_port" ] || node_port=$((ctl_port + 1))
	# slurmctld refuses to run unless SlurmctldHost names this machine.
	host=$(hostname -s 2>/dev/null || hostname)

	# Scheduling and limits chosen for tests: CPUs are declared (not probed) so
	# concurrent jobs fit on a small machine; finished jobs stay visible to
	# scontrol for an hour (MinJobAge) because there is no accounting database;
	# every finished job is also appended to jobcomp.txt. Batch jobs are
	# scheduled as soon as they are submitted (batch_sched_delay=0; Slurm's
	# default waits up to 3s to batch submissions), and a job being cancelled
	# gets SIGKILL 2s after SIGTERM (KillWait; Slurm's default is 30s), so the
	# tests measure the executor rather than these delays. proctrack/pgid needs
	# no cgroups (containers often have none writable): a job's processes are
	# its process group, and slurmd kills what is left of it when the batch
	# script ends.
	cat >"$dir/slurm.conf" <<-CONF
	ClusterName=mlformtest
	SlurmctldHost=$host(127.0.0.1)
	SlurmctldPort=$ctl_port
	SlurmdPort=$node_port
	SlurmUser=root
	SlurmdUser=root
	AuthType=auth/munge
	CredType=cred/munge
	AuthInfo=socket=$dir/munge/munge.socket
	StateSaveLocation=$dir/state
	SlurmdSpoolDir=$dir/spool
	SlurmctldPidFile=$dir/slurmctld.pidfile
	SlurmdPidFile=$dir/slurmd.pidfile
	SlurmctldLogFile=$dir/slurmctld.log
	SlurmdLogFile=$dir/slurmd.log
	SlurmctldDebug=info
	SlurmdDebug=info
	ProctrackType=proctrack/pgid
	TaskPlugin=task/none
	JobAcctGatherType=jobacct_gather/none
	AccountingStorageType=accounting_storage/none
	JobCompType=jobcomp/filetxt
	JobCompLoc=$dir/jobcomp.txt
	MpiDefault=none
	SwitchType=switch/none
	SchedulerType=sched/backfill
	SelectType=select/cons_tres
	SelectTypeParameters=CR_CPU
	SlurmdParameters=config_overrides
	ReturnToService=2
	MinJobAge=3600
	KillWait=2
	SchedulerParameters=batch_sched_delay=0
	InactiveLimit=0
	SlurmctldTimeout=30
	SlurmdTimeout=30
	PlugStackConfig=$dir/plugstack.conf
	NodeName=$NODE NodeAddr=127.0.0.1 NodeHostname=$host CPUs=16 RealMemory=4096 State=UNKNOWN
	PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
	CONF
	: >"$dir/plugstack.conf"
	export SLURM_CONF="$dir/slurm.conf"

	launch slurmctld slurmctld -D -i -f "$dir/slurm.conf"
	if ! wait_for slurmctld 60 scontrol ping; then
		REASON="slurmctld did not start: $(why slurmctld)"
		return 1
	fi
	# Under tini -s (a subreaper), a job's orphaned processes are reaped as
	# soon as they die: proctrack/pgid waits for a job's process group to be
	# empty, zombies included, and a container's init may never reap them.
	reaper=()
	command -v tini >/dev/null 2>&1 && reaper=(tini -s --)
	launch slurmd "${reaper[@]}" slurmd -D -f "$dir/slurm.conf" -N "$NODE"
	node_idle() { [ "$(sinfo -h -N -n "$NODE" -o %T)" = idle ]; }
	if ! wait_for slurmd 60 node_idle; then
		REASON="node $NODE did not become idle: $(why slurmd) $(sinfo -h -N -o '%N %T %E' 2>&1)"
		return 1
	fi
}

# stop_daemons: ends slurmd and slurmctld after a failed start_cluster.
stop_daemons() {
	local name pid
	for name in slurmd slurmctld; do
		pid=$(cat "$dir/$name.pid" 2>/dev/null) || continue
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null # a child of this shell: reaped here
		rm -f "$dir/$name.pid"
	done
}

# A port found free can be taken before a daemon binds it: try again with
# others.
for attempt in 1 2 3; do
	start_cluster && break
	stop_daemons
	grep -qi 'address already in use' "$dir/slurmctld.log" "$dir/slurmd.log" "$dir"/*.out 2>/dev/null && [ "$attempt" -lt 3 ] || unavailable "slurm tests: $REASON"
	rm -f "$dir/slurmctld.log" "$dir/slurmd.log"
done

cat >>"$envfile" <<ENV
export SLURM_CONF=$dir/slurm.conf
export MLFORM_TEST_SLURM_NODE=$NODE
export MLFORM_TEST_SLURM_JOBCOMP=$dir/jobcomp.txt
export PATH="\$PATH:/usr/sbin:/sbin"
ENV
slurm_log "started: slurmctld 127.0.0.1:$ctl_port, node $NODE idle (slurmd 127.0.0.1:$node_port), state in $dir"
exit 0
