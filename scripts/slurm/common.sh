# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared settings for the Slurm test-cluster scripts; sourced, not run.
#
# The cluster is a test tool, not an mlform dependency: Debian's slurm-wlm
# and munge packages are installed with apt-get (nothing is cached in the
# checkout) and every daemon runs from a temporary directory with its own
# configuration, state, spool, logs and munge key.

# slurm_required reports whether a cluster that cannot be installed or
# started must fail the run (CI) rather than skip its tests.
slurm_required() { [ "${MLFORM_REQUIRE_SLURM_TESTS:-}" = 1 ]; }

slurm_log() { echo "slurm: $*" >&2; }

# Debian installs the daemons under /usr/sbin, which a non-login PATH may
# lack.
PATH="$PATH:/usr/sbin:/sbin"

slurm_installed() {
	command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 &&
		command -v munged >/dev/null 2>&1 && command -v sbatch >/dev/null 2>&1
}

SVC=SLURM
SVC_WHAT="Slurm test cluster"
# shellcheck source=scripts/lib/services.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/services.sh"
# shellcheck source=scripts/lib/cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
