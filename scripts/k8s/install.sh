#!/usr/bin/env bash
# Installs the Kubernetes test control plane, skipping whatever is cached:
#   etcd                      Debian's etcd-server (apt-get; needs root)
#   plane                     kube-apiserver, kube-controller-manager and
#                             kube-scheduler built from k8s.io/kubernetes
#                             at K8S_VERSION (common.sh)
#   node                      scripts/k8s/vknode, the virtual-kubelet node
# Usage: install.sh [etcd] [plane] [node]   (default: all three)
#
# `go install k8s.io/kubernetes/cmd/kube-apiserver@...` does not work: the
# kubernetes module replaces its staging modules (k8s.io/api, ...) with
# directories inside its own repository. So the plane is built in a
# throwaway module, in a temporary directory, that requires
# k8s.io/kubernetes and replaces each staging module with its published
# K8S_STAGING_VERSION. The binaries are stamped with the version (they
# report v0.0.0-master otherwise), stripped and cached; the module and
# build caches it fills are left to Go's own cache (GOMODCACHE, GOCACHE).
# The first build takes about 25 minutes on two cores and 3 GB of RAM.
#
# Exits non-zero if any requested part could not be installed (one line
# says why); the others are still installed. Never touches the checkout.
set -uo pipefail
. "$(dirname "$0")/common.sh"
# shellcheck source=scripts/lib/apt.sh
. "$(dirname "$0")/../lib/apt.sh"

install_etcd() {
	etcd_installed && return 0
	# Debian's package would start a system etcd on 2379 where an init
	# system runs; start.sh never uses that one (its own etcd listens on
	# free ports with its data in a temporary directory).
	apt_install k8s_log etcd etcd-server && etcd_installed
}

# go_env: the environment every build here runs in. GOFLAGS from the
# caller (e.g. -mod=vendor) must not leak into a module outside this one;
# nice keeps a shared machine responsive during the long build.
go_build_env() { env GOFLAGS='' GOWORK=off CGO_ENABLED=0 nice -n 10 "$@"; }

install_plane() {
	plane_installed && return 0
	have_tool k8s_log "control plane" go || return 1
	k8s_log "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S_VERSION (first run only; about 25 minutes on 2 cores)"
	local tmp t0
	t0=$(date +%s)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/mlform-k8s-build.XXXXXX") || return 1
	if ! build_plane "$tmp" >"$tmp/log" 2>&1; then
		k8s_log "control plane not installed: build failed (log: $tmp/log):"
		tail -n 5 "$tmp/log" >&2
		rm -rf "$tmp/m" "$tmp/bin"
		return 1
	fi
	mkdir -p "$K8S_CACHE" || return 1
	local b
	for b in kube-apiserver kube-controller-manager kube-scheduler; do
		mv "$tmp/bin/$b" "$K8S_CACHE/$b.tmp.$$" && mv "$K8S_CACHE/$b.tmp.$$" "$K8S_CACHE/$b" || return 1
	done
	rm -rf "$tmp"
	k8s_log "control plane built in $(($(date +%s) - t0))s"
}

# build_plane DIR: the throwaway module in DIR/m, binaries in DIR/bin.
build_plane() {
	local tmp=$1 m="$1/m"
	mkdir -p "$m" "$tmp/bin" || return 1
	cd "$m" || return 1
	go_build_env go mod init mlform.invalid/k8s-build || return 1
	go_build_env go mod edit -require="k8s.io/kubernetes@$K8S_VERSION" || return 1
	local gomod
	gomod=$(go_build_env go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
		sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p') || return 1
	[ -f "$gomod" ] || { echo "no go.mod for k8s.io/kubernetes@$K8S_VERSION"; return 1; }
	# Every `k8s.io/x => ./staging/src/k8s.io/x` becomes the published
	# module; the two samples are not published at the staging version and
	# nothing built here needs them.
	local mod args=()
	while read -r mod; do
		case $mod in
		k8s.io/sample-cli-plugin | k8s.io/sample-controller) continue ;;
		esac
		args+=("-replace=$mod=$mod@$K8S_STAGING_VERSION")
	done < <(sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$gomod")
	[ ${#args[@]} -gt 0 ] || { echo "no staging replaces found in $gomod"; return 1; }
	go_build_env go mod edit "${args[@]}" || return 1
	cat >tools.go <<-'GO'
	//go:build tools

	// Package tools pins the commands this throwaway module builds.
	package tools

	import (
		_ "k8s.io/kubernetes/cmd/kube-apiserver"
		_ "k8s.io/kubernetes/cmd/kube-controller-manager"
		_ "k8s.io/kubernetes/cmd/kube-scheduler"
	)
	GO
	go_build_env go mod tidy || return 1
	local v=k8s.io/component-base/version cv=k8s.io/client-go/pkg/version
	local minor=${K8S_VERSION#v*.}
	minor=${minor%%.*}
	local major=${K8S_VERSION#v}
	major=${major%%.*}
	local ld="-s -w"
	local p
	for p in $v $cv; do
		ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
	done
	go_build_env go build -trimpath -ldflags "$ld" -o "$tmp/bin/" \
		k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler
}

install_node() {
	local dest
	dest=$(vknode_bin)
	[ -x "$dest" ] && return 0
	have_tool k8s_log "node" go || return 1
	k8s_log "building the virtual-kubelet node (first run only; about 6 minutes on 2 cores)"
	local t0
	t0=$(date +%s)
	mkdir -p "$K8S_CACHE" || return 1
	if install_quietly k8s_log node "go build in scripts/k8s/vknode" build_node "$dest"; then
		# Older builds of the node are replaced, not kept.
		find "$K8S_CACHE" -maxdepth 1 -name 'vknode-*' ! -name "${dest##*/}" -delete 2>/dev/null
		k8s_log "node built in $(($(date +%s) - t0))s"
		return 0
	fi
	rm -f "$dest.tmp.$$"
	return 1
}

# build_node DEST: builds scripts/k8s/vknode into DEST.
build_node() {
	(cd "$VKNODE_SRC" && go_build_env go build -trimpath -ldflags "-s -w" -o "$1.tmp.$$" .) &&
		mv "$1.tmp.$$" "$1"
}

# locked PART: installs PART holding a lock in the cache, so two test runs
# starting at once on a fresh machine build it once (the build takes most
# of two cores for half an hour); the second finds it cached.
locked() {
	mkdir -p "$K8S_CACHE" || return 1
	if ! command -v flock >/dev/null 2>&1; then
		"install_$1"
		return
	fi
	(
		flock 9 || exit 1
		"install_$1"
	) 9>"$K8S_CACHE/.install-$1.lock"
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(etcd plane node)
rc=0
for w in "${want[@]}"; do
	case $w in
	etcd) locked etcd || rc=1 ;;
	plane) locked plane || rc=1 ;;
	node) locked node || rc=1 ;;
	*)
		k8s_log "unknown part $w (want etcd, plane or node)"
		exit 2
		;;
	esac
done
exit $rc
