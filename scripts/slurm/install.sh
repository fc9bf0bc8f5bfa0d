#!/usr/bin/env bash
# Installs Debian's slurm-wlm (slurmctld, slurmd, the client commands),
# munge and tini (the subreaper start.sh runs slurmd under) with apt-get,
# unless they are already installed. Needs root (CI runs
# as root). Installing a package is the only system-wide change: start.sh
# never reads /etc/slurm or /etc/munge, and on a host whose init system
# starts services on install, Debian's units find no /etc/slurm/slurm.conf
# and stay down.
# Usage: install.sh
# Exits non-zero (with one line saying why) when they cannot be installed.
set -uo pipefail
. "$(dirname "$0")/common.sh"

slurm_installed && command -v tini >/dev/null 2>&1 && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	slurm_log "slurm-wlm not installed: apt-get not found (Debian or Ubuntu needed)"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	slurm_log "slurm-wlm not installed: installing it needs root (apt-get install slurm-wlm munge tini)"
	exit 1
fi
slurm_log "installing slurm-wlm and munge with apt-get (first run only)"
log=$(mktemp) || exit 1
export DEBIAN_FRONTEND=noninteractive
if apt-get update >"$log" 2>&1 &&
	apt-get install -y --no-install-recommends slurm-wlm munge tini >>"$log" 2>&1 &&
	slurm_installed; then
	rm -f "$log"
	exit 0
fi
slurm_log "slurm-wlm not installed: apt-get failed: $(tail -n 3 "$log" | tr '\n' ' ')"
rm -f "$log"
exit 1
