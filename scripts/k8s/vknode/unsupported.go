package main

import (
	"context"
	"io"
	"os"
	"path/filepath"

	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// The rest of nodeutil.Provider: exec, attach, port-forward and stats are
// not served by this test node (ServeHTTP answers only log requests).

var errUnsupported = errdefs.InvalidInput("not supported by the mlform test node")

// GetContainerLogs implements nodeutil.Provider: the container's stdout
// and stderr interleaved, as written so far.
func (p *provider) GetContainerLogs(_ context.Context, namespace, podName, containerName string, _ api.ContainerLogOpts) (io.ReadCloser, error) {
	k, err := p.container(namespace, podName, containerName)
	if err != nil {
		return nil, errdefs.AsNotFound(err)
	}
	return os.Open(filepath.Join(k.logs.dir, "all"))
}

// RunInContainer implements nodeutil.Provider.
func (p *provider) RunInContainer(context.Context, string, string, string, []string, api.AttachIO) error {
	return errUnsupported
}

// AttachToContainer implements nodeutil.Provider.
func (p *provider) AttachToContainer(context.Context, string, string, string, api.AttachIO) error {
	return errUnsupported
}

// GetStatsSummary implements nodeutil.Provider.
func (p *provider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return nil, errUnsupported
}

// GetMetricsResource implements nodeutil.Provider.
func (p *provider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, errUnsupported
}

// PortForward implements nodeutil.Provider.
func (p *provider) PortForward(context.Context, string, string, int32, io.ReadWriteCloser) error {
	return errUnsupported
}
