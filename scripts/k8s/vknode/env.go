package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// defaultPath is the PATH a container runtime gives a container whose
// image sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// resolveEnv is container c's environment as a kubelet builds it: the
// runtime's PATH and HOSTNAME, then envFrom, then env (later wins), with
// Secrets and ConfigMaps read through the API. An error is what a kubelet
// reports as CreateContainerConfigError.
func (p *provider) resolveEnv(ctx context.Context, pod *corev1.Pod, c corev1.Container) ([]string, error) {
	vars := map[string]string{"PATH": defaultPath, "HOSTNAME": pod.Name}
	if home, err := os.UserHomeDir(); err == nil {
		vars["HOME"] = home
	}
	ns := pod.Namespace
	for _, from := range c.EnvFrom {
		var kind, name string
		var opt *bool
		switch {
		case from.SecretRef != nil:
			kind, name, opt = "Secret", from.SecretRef.Name, from.SecretRef.Optional
		case from.ConfigMapRef != nil:
			kind, name, opt = "ConfigMap", from.ConfigMapRef.Name, from.ConfigMapRef.Optional
		default:
			continue
		}
		data, _, err := p.data(ctx, kind, ns, name, opt)
		if err != nil {
			return nil, err
		}
		for k, v := range data {
			vars[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			vars[e.Name] = expand(e.Value, vars)
			continue
		}
		v, ok, err := p.valueFrom(ctx, pod, e)
		if err != nil {
			return nil, err
		}
		if ok {
			vars[e.Name] = v
		}
	}
	env := make([]string, 0, len(vars))
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env, nil
}

func optional(b *bool) bool { return b != nil && *b }

// valueFrom resolves one env var's valueFrom; ok is false for an optional
// reference that is missing.
func (p *provider) valueFrom(ctx context.Context, pod *corev1.Pod, e corev1.EnvVar) (string, bool, error) {
	src := e.ValueFrom
	switch {
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		return p.keyRef(ctx, "Secret", pod.Namespace, ref.Name, ref.Key, ref.Optional)
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		return p.keyRef(ctx, "ConfigMap", pod.Namespace, ref.Name, ref.Key, ref.Optional)
	case src.FieldRef != nil:
		v, err := p.field(pod, src.FieldRef.FieldPath)
		return v, err == nil, err
	}
	return "", false, fmt.Errorf("env %s: this test node resolves value, secretKeyRef, configMapKeyRef and fieldRef only", e.Name)
}

// keyRef is key of the Secret or ConfigMap ns/name (kind says which);
// ok is false for an optional reference whose object or key is missing.
func (p *provider) keyRef(ctx context.Context, kind, ns, name, key string, opt *bool) (string, bool, error) {
	data, found, err := p.data(ctx, kind, ns, name, opt)
	if err != nil || !found {
		return "", false, err
	}
	v, ok := data[key]
	if !ok {
		if optional(opt) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("couldn't find key %s in %s %s/%s", key, kind, ns, name)
	}
	return v, true, nil
}

// data is the data of the Secret or ConfigMap ns/name (kind says which),
// a Secret's values as text; found is false when the object does not exist
// and the reference to it is optional.
func (p *provider) data(ctx context.Context, kind, ns, name string, opt *bool) (data map[string]string, found bool, err error) {
	if kind == "Secret" {
		var s *corev1.Secret
		if s, err = p.secret(ctx, ns, name); err == nil {
			data = make(map[string]string, len(s.Data))
			for k, v := range s.Data {
				data[k] = string(v)
			}
		}
	} else {
		var cm *corev1.ConfigMap
		if cm, err = p.configMap(ctx, ns, name); err == nil {
			data = cm.Data
		}
	}
	if err != nil {
		if apierrors.IsNotFound(err) && optional(opt) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return data, true, nil
}

// field is a downward-API field of the pod.
func (p *provider) field(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return p.nodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.podIP":
		return p.hostIP, nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if rest, ok := strings.CutPrefix(path, prefix+"['"); ok && strings.HasSuffix(rest, "']") {
			return m[strings.TrimSuffix(rest, "']")], nil
		}
	}
	return "", fmt.Errorf("unsupported fieldRef %q", path)
}

// secret reads a Secret through the API (not a cache: one created just
// before the pod must be found).
func (p *provider) secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	s, err := p.client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, err // the API's own message: secret "NAME" not found
	}
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", ns, name, err)
	}
	return s, nil
}

func (p *provider) configMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	cm, err := p.client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("configmap %s/%s: %w", ns, name, err)
	}
	return cm, nil
}

// expand replaces $(VAR) with VAR's value when VAR is defined and $$ with
// $, as Kubernetes expands env values, commands and args.
func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
				name := s[i+2 : i+2+end]
				if v, ok := vars[name]; ok {
					b.WriteString(v)
				} else {
					b.WriteString(s[i : i+3+end])
				}
				i += 2 + end
				continue
			}
			b.WriteByte('$')
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// expandAll expands each of argv with the container's environment.
func expandAll(argv, env []string) []string {
	vars := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = expand(a, vars)
	}
	return out
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
