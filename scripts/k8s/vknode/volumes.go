package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// mounts are a container's volume mounts as this node provides them:
// mount path -> directory on this machine. A container here is a local
// process with no mount namespace, so a mount is emulated by rewriting
// paths: an argument or working directory that is a mount path or lies
// under one is replaced by the same path under the volume's directory.
// Environment values are not rewritten.
//
//   - emptyDir: a directory per pod and volume, created with the pod and
//     removed with it (shared by the pod's containers, as a kubelet's is;
//     this is how an init container hands a step the mlform binary).
//   - hostPath: the path itself.
//
// Other volume types are not provided: their mounts are left as they are.
type mounts map[string]string

// volumeMounts resolves container c's mounts in pod, creating emptyDir
// directories under podDir as needed.
func volumeMounts(pod *corev1.Pod, c corev1.Container, podDir string) (mounts, error) {
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		vols[v.Name] = v
	}
	m := mounts{}
	for _, vm := range c.VolumeMounts {
		v, ok := vols[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %s: the pod has no volume %q", vm.MountPath, vm.Name)
		}
		switch {
		case v.EmptyDir != nil:
			dir := filepath.Join(podDir, "volumes", v.Name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("volume %s: %w", v.Name, err)
			}
			m[filepath.Clean(vm.MountPath)] = dir
		case v.HostPath != nil:
			m[filepath.Clean(vm.MountPath)] = v.HostPath.Path
		}
	}
	return m, nil
}

// path rewrites p when it is a mount path or lies under one (the longest
// mount path wins).
func (m mounts) path(p string) string {
	best := ""
	for mp := range m {
		if (p == mp || strings.HasPrefix(p, mp+"/")) && len(mp) > len(best) {
			best = mp
		}
	}
	if best == "" {
		return p
	}
	return m[best] + p[len(best):]
}

// args rewrites every argument that is a path under a mount.
func (m mounts) args(argv []string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = m.path(a)
	}
	return out
}

// imageID is what this node reports as a container's imageID. It pulls
// no image, so it knows a digest only when the reference carries one
// ("repo@sha256:..."), which it reports as a runtime does; otherwise none.
func imageID(image string) string {
	if strings.Contains(image, "@sha256:") {
		return image
	}
	return ""
}
