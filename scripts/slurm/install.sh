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

# shellcheck source=scripts/lib/apt.sh
. "$(dirname "$0")/../lib/apt.sh"

slurm_installed && command -v tini >/dev/null 2>&1 && exit 0
apt_install slurm_log slurm-wlm slurm-wlm munge tini && slurm_installed
