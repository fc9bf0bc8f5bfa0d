# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared settings for the Kubernetes test control-plane scripts; sourced,
# not run.
#
# The control plane is a test tool, not an mlform dependency: etcd comes
# from Debian's etcd-server package; kube-apiserver, kube-controller-manager
# and kube-scheduler are built from the Kubernetes Go modules at one pinned
# version, and the node (scripts/k8s/vknode, a virtual-kubelet) from its own
# small module. Only the stripped binaries are cached, outside the checkout,
# and reused by every later run on the same machine.

# Pinned versions. k8s.io/kubernetes is built against its staging modules
# (k8s.io/api, k8s.io/apiserver, ...) published at the matching v0.x.y.
# Changing K8S_VERSION rebuilds everything on the next run.
K8S_VERSION=v1.37.2
K8S_STAGING_VERSION=v0.37.2

K8S_CACHE="${MLFORM_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlform-k8s}/$K8S_VERSION"
KUBE_APISERVER="$K8S_CACHE/kube-apiserver"
KUBE_CONTROLLER_MANAGER="$K8S_CACHE/kube-controller-manager"
KUBE_SCHEDULER="$K8S_CACHE/kube-scheduler"

K8S_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VKNODE_SRC="$K8S_HERE/vknode"

# vknode_bin prints the cached node binary's path. Its name carries a hash
# of the node's sources, so editing scripts/k8s/vknode rebuilds it.
vknode_bin() {
	local sum
	sum=$(cd "$VKNODE_SRC" && cat go.mod go.sum ./*.go 2>/dev/null | sha256sum | cut -c1-12)
	echo "$K8S_CACHE/vknode-$sum"
}

# k8s_required reports whether a control plane that cannot be built or
# started must fail the run (CI) rather than skip its tests.
k8s_required() { [ "${MLFORM_REQUIRE_K8S_TESTS:-}" = 1 ]; }

k8s_log() { echo "k8s: $*" >&2; }

# Debian installs etcd under /usr/bin; keep /usr/sbin too for a non-login
# PATH.
PATH="$PATH:/usr/sbin:/sbin"

etcd_installed() { command -v etcd >/dev/null 2>&1; }

plane_installed() {
	[ -x "$KUBE_APISERVER" ] && [ -x "$KUBE_CONTROLLER_MANAGER" ] && [ -x "$KUBE_SCHEDULER" ]
}

SVC=K8S
SVC_WHAT="Kubernetes test control plane"
# shellcheck source=scripts/lib/services.sh
. "$K8S_HERE/../lib/services.sh"
# shellcheck source=scripts/lib/cluster.sh
. "$K8S_HERE/../lib/cluster.sh"
