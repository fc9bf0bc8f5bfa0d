#!/usr/bin/env bash
# Starts a Kubernetes control plane with one node on loopback for the
# tests: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
# the virtual-kubelet node of scripts/k8s/vknode, each in the foreground of
# its own session, with certificates (openssl), tokens, kubeconfigs, etcd's
# data, container logs and daemon logs all under DIR and free ports on
# 127.0.0.1. Waits until the node is Ready and the default namespace's
# service account exists, then writes DIR/env: shell exports pointing the
# Go tests (providers/executor/kubernetes) at it:
#   MLFORM_TEST_KUBECONFIG   an admin kubeconfig (system:masters)
#   MLFORM_TEST_K8S_NODE     the node's name
# Stop it with stop.sh DIR.
#
# Usage: start.sh DIR
#
# A plane that is not installed or does not come up is recorded in DIR/env
# as MLFORM_TEST_K8S_UNAVAILABLE=<reason>, so its tests skip with that
# reason; with MLFORM_REQUIRE_K8S_TESTS=1 it is an error (exit 1).
set -uo pipefail
. "$(dirname "$0")/common.sh"

start_dir "${1:-}" # sets dir and envfile (scripts/lib/cluster.sh)

NODE=mlformtest

# unavailable, launch and wait_for: scripts/lib/cluster.sh.
why() { # NAME: the last lines a daemon logged
	tail -n 3 "$dir/$1.out" 2>/dev/null | cut -c1-300 | tr '\n' ' '
}

etcd_installed || unavailable "k8s tests: etcd not installed (scripts/k8s/install.sh installs Debian's etcd-server; needs root and apt-get)"
plane_installed || unavailable "k8s tests: control plane not built (scripts/k8s/install.sh builds it into $K8S_CACHE; about 25 minutes the first time)"
VKNODE=$(vknode_bin)
[ -x "$VKNODE" ] || unavailable "k8s tests: node not built (scripts/k8s/install.sh node)"
command -v openssl >/dev/null 2>&1 || unavailable "k8s tests: openssl not found (it makes the plane's certificates)"
command -v curl >/dev/null 2>&1 || unavailable "k8s tests: curl not found (it checks the plane's health)"

# --- certificates and credentials -------------------------------------
pki="$dir/pki"
mkdir -p "$pki" && chmod 700 "$pki" || exit 1
# cert NAME CN SAN: a key and a certificate signed by the plane's CA.
cert() {
	openssl req -newkey rsa:2048 -nodes -keyout "$pki/$1.key" -subj "/CN=$2" -out "$pki/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
			-days 2 -sha256 -extfile <(printf '%s\n' "$3") -out "$pki/$1.crt" 2>/dev/null
}
if ! { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 2 \
	-subj "/CN=mlform-test-ca" 2>/dev/null &&
	cert apiserver kube-apiserver "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc" &&
	cert apiserver-kubelet-client kube-apiserver-kubelet-client "extendedKeyUsage=clientAuth" &&
	cert node "system:node:$NODE" "subjectAltName=IP:127.0.0.1,DNS:localhost" &&
	openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null &&
	openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null; }; then
	unavailable "k8s tests: openssl could not make the plane's certificates"
fi
# Static bearer tokens (--token-auth-file): the admin the tests use, the
# controller manager and scheduler under their own names (RBAC's default
# roles cover them), and the node, which also lists every Secret,
# ConfigMap and Service cluster-wide (virtual-kubelet's informers), so it
# is in system:masters too.
tok() { openssl rand -hex 16; }
ADMIN_TOKEN=$(tok) KCM_TOKEN=$(tok) SCHED_TOKEN=$(tok) NODE_TOKEN=$(tok)
cat >"$pki/tokens.csv" <<EOF
$ADMIN_TOKEN,mlform-admin,mlform-admin,"system:masters"
$KCM_TOKEN,system:kube-controller-manager,system:kube-controller-manager
$SCHED_TOKEN,system:kube-scheduler,system:kube-scheduler
$NODE_TOKEN,system:node:$NODE,system:node:$NODE,"system:nodes,system:masters"
EOF
chmod 600 "$pki/tokens.csv"

# kubeconfig FILE TOKEN: a kubeconfig for the API server with TOKEN.
kubeconfig() {
	cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mlformtest
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $pki/ca.crt
users:
- name: user
  user:
    token: $2
contexts:
- name: mlformtest
  context: {cluster: mlformtest, user: user, namespace: default}
current-context: mlformtest
EOF
	chmod 600 "$1"
}

# --- etcd ---------------------------------------------------------------
# start_etcd: on free ports; sets REASON and returns 1 on failure.
start_etcd() {
	etcd_port=$(free_port) && etcd_peer=$(free_port) || { REASON="no free port on 127.0.0.1"; return 1; }
	[ "$etcd_port" != "$etcd_peer" ] || etcd_peer=$((etcd_port + 1))
	rm -rf "$dir/etcd"
	launch etcd etcd --name mlformtest --data-dir "$dir/etcd" \
		--listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
		--listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
		--initial-cluster "mlformtest=http://127.0.0.1:$etcd_peer" --logger zap --log-level warn
	wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health" || { REASON="etcd did not start: $(why etcd)"; return 1; }
}

start_apiserver() {
	api_port=$(free_port) || { REASON="no free port on 127.0.0.1"; return 1; }
	# --endpoint-reconciler-type=none: the apiserver would otherwise
	# refuse to advertise a loopback address for the kubernetes service.
	# PodLogsQuerySplitStreams (alpha) lets the executor read stdout and
	# stderr apart, as it does on clusters that enable it.
	launch kube-apiserver "$KUBE_APISERVER" \
		--etcd-servers="http://127.0.0.1:$etcd_port" \
		--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
		--tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
		--client-ca-file="$pki/ca.crt" --token-auth-file="$pki/tokens.csv" \
		--authorization-mode=RBAC \
		--service-account-issuer=https://kubernetes.default.svc \
		--service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
		--service-cluster-ip-range=10.96.0.0/24 --endpoint-reconciler-type=none \
		--kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
		--kubelet-client-key="$pki/apiserver-kubelet-client.key" \
		--kubelet-certificate-authority="$pki/ca.crt" \
		--kubelet-preferred-address-types=InternalIP \
		--feature-gates=PodLogsQuerySplitStreams=true \
		--enable-priority-and-fairness=false --profiling=false
	api_ready() { curl -sf --cacert "$pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "https://127.0.0.1:$api_port/readyz"; }
	wait_for kube-apiserver 120 api_ready || { REASON="kube-apiserver did not become ready: $(why kube-apiserver)"; return 1; }
}

# stop_daemon NAME: ends a daemon after a failed start.
stop_daemon() {
	local pid
	pid=$(cat "$dir/$1.pid" 2>/dev/null) || return 0
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$dir/$1.pid"
}

# A port found free can be taken before a daemon binds it: try again with
# others.
for attempt in 1 2 3; do
	start_etcd && break
	stop_daemon etcd
	grep -qi 'address already in use' "$dir/etcd.out" 2>/dev/null && [ "$attempt" -lt 3 ] || unavailable "k8s tests: $REASON"
done
for attempt in 1 2 3; do
	start_apiserver && break
	stop_daemon kube-apiserver
	grep -qi 'address already in use' "$dir/kube-apiserver.out" 2>/dev/null && [ "$attempt" -lt 3 ] || unavailable "k8s tests: $REASON"
done

kubeconfig "$dir/admin.kubeconfig" "$ADMIN_TOKEN"
kubeconfig "$dir/kcm.kubeconfig" "$KCM_TOKEN"
kubeconfig "$dir/scheduler.kubeconfig" "$SCHED_TOKEN"
kubeconfig "$dir/node.kubeconfig" "$NODE_TOKEN"

# The controller manager and scheduler serve only health and metrics;
# they get free ports nobody uses, and make their self-signed serving
# certificates in DIR (not /var/run/kubernetes).
kcm_port=$(free_port) && sched_port=$(free_port) && node_port=$(free_port) || unavailable "k8s tests: no free port on 127.0.0.1"
launch kube-controller-manager "$KUBE_CONTROLLER_MANAGER" \
	--kubeconfig="$dir/kcm.kubeconfig" --bind-address=127.0.0.1 --secure-port="$kcm_port" --cert-dir="$dir/kcm" \
	--use-service-account-credentials --leader-elect=false \
	--root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
	--profiling=false
launch kube-scheduler "$KUBE_SCHEDULER" \
	--kubeconfig="$dir/scheduler.kubeconfig" --bind-address=127.0.0.1 --secure-port="$sched_port" --cert-dir="$dir/scheduler" \
	--leader-elect=false --profiling=false
mkdir -p "$dir/node-logs"
launch vknode "$VKNODE" -kubeconfig "$dir/node.kubeconfig" -name "$NODE" -listen "127.0.0.1:$node_port" \
	-tls-cert "$pki/node.crt" -tls-key "$pki/node.key" -client-ca "$pki/ca.crt" -log-dir "$dir/node-logs"

api() { curl -sf --cacert "$pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "https://127.0.0.1:$api_port$1"; }
node_ready() { grep -q "node $NODE ready" "$dir/vknode.out"; }
wait_for vknode 60 node_ready || unavailable "k8s tests: node $NODE did not become Ready: $(why vknode)"
for d in kube-controller-manager kube-scheduler; do
	kill -0 "$(cat "$dir/$d.pid")" 2>/dev/null || unavailable "k8s tests: $d exited: $(why "$d")"
done
# Pods need their namespace's default service account, which the
# controller manager creates.
wait_for kube-controller-manager 60 api /api/v1/namespaces/default/serviceaccounts/default ||
	unavailable "k8s tests: the controller manager made no default service account: $(why kube-controller-manager)"

cat >>"$envfile" <<ENV
export MLFORM_TEST_KUBECONFIG=$dir/admin.kubeconfig
export MLFORM_TEST_K8S_NODE=$NODE
ENV
k8s_log "started: kube-apiserver $K8S_VERSION https://127.0.0.1:$api_port, etcd 127.0.0.1:$etcd_port, node $NODE Ready; files in $dir"
exit 0
