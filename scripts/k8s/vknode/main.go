// Command vknode is the node of mlform's Kubernetes test control plane
// (scripts/k8s/with-k8s.sh): a virtual-kubelet node whose provider runs
// each pod scheduled onto it as local processes, one per container, on the
// machine the tests run on.
//
// It stands in for a kubelet and a container runtime, which a test machine
// without root-level container support cannot run. Everything above the
// node is real: the API server, the scheduler that binds pods to this node,
// the Job controller that counts their successes and failures and the
// garbage collector that deletes them. What the node does differently from
// a kubelet is documented in provider.go; most visibly, the container
// image is ignored: a container's command runs from this machine's file
// system, so a pod spec must give the command (an image's entrypoint is
// not known).
//
// The node serves the kubelet API's /containerLogs over TLS, so `kubectl
// logs` and the API server's pods/log work, including the per-stream logs
// of the PodLogsQuerySplitStreams feature.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vknode:", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the node's identity (required)")
	name := flag.String("name", "mlformtest", "node name")
	listen := flag.String("listen", "127.0.0.1:10250", "address of the kubelet API (logs)")
	certFile := flag.String("tls-cert", "", "serving certificate (required)")
	keyFile := flag.String("tls-key", "", "serving key (required)")
	clientCA := flag.String("client-ca", "", "CA that signs the API server's client certificate (required)")
	logDir := flag.String("log-dir", "", "directory for container logs (required)")
	cpu := flag.String("cpu", "16", "CPU capacity the node reports")
	memory := flag.String("memory", "32Gi", "memory capacity the node reports")
	gpus := flag.String("gpus", "4", "nvidia.com/gpu capacity the node reports (no GPU is used)")
	flag.Parse()
	if *kubeconfig == "" || *certFile == "" || *keyFile == "" || *clientCA == "" || *logDir == "" {
		return errors.New("-kubeconfig, -tls-cert, -tls-key, -client-ca and -log-dir are required")
	}
	host, portStr, err := net.SplitHostPort(*listen)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", *listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("-listen %q: port: %w", *listen, err)
	}
	capacity := corev1.ResourceList{}
	for res, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: *cpu, corev1.ResourceMemory: *memory, corev1.ResourcePods: "110", "nvidia.com/gpu": *gpus} {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return fmt.Errorf("capacity %s %q: %w", res, v, err)
		}
		capacity[res] = q
	}
	tlsConfig, err := serverTLS(*certFile, *keyFile, *clientCA)
	if err != nil {
		return err
	}
	// The client is built here and handed to the node: nodeutil's
	// kubeconfig option is read after the default client was made.
	client, err := nodeutil.ClientsetFromEnv(*kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig %s: %w", *kubeconfig, err)
	}
	if err := os.MkdirAll(*logDir, 0o700); err != nil {
		return err
	}
	var p *provider
	n, err := nodeutil.NewNode(*name, func(cfg nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
		p = newProvider(*name, host, client, *logDir, cfg.Pods)
		return p, nil, nil
	}, func(cfg *nodeutil.NodeConfig) error {
		cfg.Client = client
		cfg.HTTPListenAddr = *listen
		cfg.TLSConfig = tlsConfig
		// p is made by NewNode before the server starts.
		cfg.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { p.ServeHTTP(w, r) })
		// The provider resolves env (Secrets, ConfigMaps, the downward
		// API) itself, so a missing Secret is a container status, as a
		// kubelet reports it, not a silent retry.
		cfg.SkipDownwardAPIResolution = true
		cfg.NumWorkers = 4
		spec := &cfg.NodeSpec
		spec.Labels["kubernetes.io/os"] = "linux"
		spec.Labels["kubernetes.io/arch"] = "amd64"
		spec.Status.Capacity = capacity
		spec.Status.Allocatable = capacity
		spec.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: host}, {Type: corev1.NodeHostName, Address: *name}}
		spec.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
		spec.Status.NodeInfo = corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64",
			KubeletVersion: "vknode", ContainerRuntimeVersion: "vknode://local-processes"}
		return nil
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		if err := n.WaitReady(ctx, 0); err == nil {
			fmt.Fprintf(os.Stderr, "vknode: node %s ready, kubelet API on %s\n", *name, *listen)
		}
	}()
	err = n.Run(ctx)
	// Whatever still runs dies with the node, as containers die with
	// their kubelet's machine.
	p.killAll(5 * time.Second)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// serverTLS is the kubelet API's TLS: the node's serving certificate, and
// only clients with a certificate from the cluster's CA (the API server).
func serverTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("client CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("client CA %s: no certificate", caFile)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}, nil
}
