# shellcheck shell=bash
# apt.sh: installing Debian packages for the test services (Slurm, etcd,
# chromium), the one way: as root or through passwordless sudo, saying in
# one line why not when it cannot. Sourced by the install scripts.

# apt_install LOGFN WHAT PKG...: installs PKG... with apt-get; WHAT names
# them in messages, LOGFN prints a message. The caller checks afterwards
# that what it needs is really there.
apt_install() {
	local logfn=$1 what=$2
	shift 2
	if ! command -v apt-get >/dev/null 2>&1; then
		"$logfn" "$what not installed: apt-get not found (Debian or Ubuntu needed)"
		return 1
	fi
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo -n)
		else
			"$logfn" "$what not installed: installing it needs root (apt-get install $*)"
			return 1
		fi
	fi
	"$logfn" "installing $* with apt-get (first run only)"
	local log
	log=$(mktemp) || return 1
	if "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >"$log" 2>&1 &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$log" 2>&1; then
		rm -f "$log"
		return 0
	fi
	"$logfn" "$what not installed: apt-get failed: $(tail -n 3 "$log" | tr '\n' ' ')"
	rm -f "$log"
	return 1
}
