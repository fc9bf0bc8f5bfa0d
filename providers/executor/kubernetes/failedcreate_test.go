//go:build unix

package kubernetes_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/kubernetes"
	"github.com/mlform/mlform/providers/executor/kubernetes/k8stest"
	"github.com/mlform/mlform/state"
)

// documentedRules are the permissions docs/executors.md asks users to
// grant mlform in its namespace ("Environment and secrets").
var documentedRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: []string{"create", "get", "list", "watch", "delete"}},
	{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
	{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"create", "get", "update", "delete"}},
	{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"list", "watch"}},
	{APIGroups: []string{""}, Resources: []string{"serviceaccounts"}, Verbs: []string{"get"}},
}

// without is rules less those on the resources named.
func without(rules []rbacv1.PolicyRule, resources ...string) []rbacv1.PolicyRule {
	return slices.DeleteFunc(slices.Clone(rules), func(r rbacv1.PolicyRule) bool {
		return slices.ContainsFunc(r.Resources, func(res string) bool { return slices.Contains(resources, res) })
	})
}

// namespace creates a namespace of its own for a test, with its default
// service account (made by the controller manager) in place, and deletes
// it afterwards.
func namespace(t *testing.T) string {
	t.Helper()
	c := client(t)
	ctx := context.Background()
	ns := "mlform-t-" + randHex(t)
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	w, err := c.CoreV1().ServiceAccounts(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=default"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := c.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{}); err == nil {
		return ns
	}
	select {
	case <-w.ResultChan():
	case <-time.After(time.Minute):
		t.Fatalf("namespace %s got no default service account", ns)
	}
	return ns
}

// identity is a kubeconfig for a service account of namespace ns allowed
// only rules there: mlform run by a user with that Role.
func identity(t *testing.T, ns string, rules []rbacv1.PolicyRule) string {
	t.Helper()
	c := client(t)
	ctx := context.Background()
	const name = "mlform-runner"
	if _, err := c.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: ns}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	grantedWait(t, ns, name, rules)
	tok, err := c.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(k8stest.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.AuthInfos {
		a.Token = tok.Status.Token
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// grantedWait waits until the API server's authorizer allows service
// account name of ns every rule: it learns of a new Role and RoleBinding
// through its informers, and a request made before that is forbidden
// (under load, the first secret create of a run was).
func grantedWait(t *testing.T, ns, name string, rules []rbacv1.PolicyRule) {
	t.Helper()
	c := client(t)
	user := "system:serviceaccount:" + ns + ":" + name
	groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for _, r := range rules {
		for _, res := range r.Resources {
			attrs := &authorizationv1.ResourceAttributes{Namespace: ns, Verb: r.Verbs[0], Group: r.APIGroups[0], Resource: res}
			if sub, ok := strings.CutPrefix(res, "pods/"); ok {
				attrs.Resource, attrs.Subresource = "pods", sub
			}
			for {
				review, err := c.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), &authorizationv1.SubjectAccessReview{
					Spec: authorizationv1.SubjectAccessReviewSpec{User: user, Groups: groups, ResourceAttributes: attrs}}, metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if review.Status.Allowed {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s is still not allowed to %s %s in %s: %s", user, attrs.Verb, res, ns, review.Status.Reason)
				}
				<-tick.C
			}
		}
	}
}

// pendingWith waits until progress reports a Pending Job whose reason
// holds want, failing if the run ends first.
func pendingWith(t *testing.T, progress <-chan executor.Progress, done <-chan result, want string) executor.Progress {
	t.Helper()
	var got executor.Progress
	for got.State != "Pending" || !strings.Contains(got.Reason, want) {
		select {
		case got = <-progress:
		case r := <-done:
			t.Fatalf("run ended before progress said %q: %+v %v (last progress %+v)", want, r.Result, r.err, got)
		case <-time.After(time.Minute):
			t.Fatalf("no pending progress with %q; last %+v", want, got)
		}
	}
	return got
}

// TestFailedCreate: a Job whose pod the API server refuses has no pod at
// all, only the Job controller's FailedCreate events. Progress says why at
// once; a refusal that will not pass by itself (a LimitRange; a service
// account that does not exist, when Submit may not read service accounts
// to refuse it first) fails the attempt once it has lasted StuckAfter; an
// exceeded quota waits, as an unschedulable pod does. Each runs as a user
// with only the Role docs/executors.md documents, or that Role without its
// optional parts (without events, progress says the events cannot be
// read, and nothing fails because of it).
func TestFailedCreate(t *testing.T) {
	k8stest.Need(t)
	const after = 2 * time.Second
	run := func(t *testing.T, ns string, rules []rbacv1.PolicyRule, edit func(*kubernetes.Options)) (*kubernetes.Executor, executor.Task, <-chan executor.Progress, <-chan result, context.CancelFunc) {
		kc := identity(t, ns, rules)
		e := newExecutor(t, func(o *kubernetes.Options) {
			o.Kubeconfig, o.Namespace, o.StuckAfter = kc, ns, after
			edit(o)
		})
		task := helperTask(t, "exit", "0")
		progress := make(chan executor.Progress, 100)
		task.Progress = func(p executor.Progress) { progress <- p }
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		return e, task, progress, runAsync(e, ctx, task), cancel
	}

	t.Run("MissingServiceAccountRefused", func(t *testing.T) {
		// With the documented permission to read service accounts, one
		// that does not exist is refused before any Job is made.
		ns := namespace(t)
		e, task, _, done, _ := run(t, ns, documentedRules, func(o *kubernetes.Options) { o.ServiceAccount = "nosuch" })
		r := <-done
		var refused *executor.RefusedError
		if !errors.As(r.err, &refused) || !slices.Equal(refused.Settings, []string{"service_account", "namespace"}) ||
			!strings.Contains(r.err.Error(), `service account "nosuch" not found in namespace `+ns) {
			t.Fatalf("result %+v %v: want a refusal naming service_account", r.Result, r.err)
		}
		if names, err := e.Find(context.Background(), task); err != nil || len(names) != 0 {
			t.Errorf("Find after a refused submission: %v %v, want no Job", names, err)
		}
	})

	t.Run("MissingServiceAccount", func(t *testing.T) {
		// An identity that may not read service accounts learns of a
		// missing one from the Job controller.
		ns := namespace(t)
		e, task, progress, done, _ := run(t, ns, without(documentedRules, "serviceaccounts"), func(o *kubernetes.Options) { o.ServiceAccount = "nosuch" })
		start := time.Now()
		p := pendingWith(t, progress, done, `FailedCreate: `)
		if !strings.Contains(p.Reason, `serviceaccount "nosuch" not found`) || p.JobID == "" {
			t.Errorf("progress %+v: want the job and the API server's refusal", p)
		}
		var r result
		select {
		case r = <-done:
		case <-time.After(2 * time.Minute):
			t.Fatal("the run did not end: a Job that can never get a pod waits forever")
		}
		if waited := time.Since(start); waited < after {
			t.Errorf("ended after %s: the refusal must last StuckAfter (%s) first", waited, after)
		}
		if r.err != nil || r.Status != state.StatusFailed || r.ExitCode != -1 ||
			!strings.Contains(r.Reason, "could not start: the Job controller could not create its pod: FailedCreate: ") ||
			!strings.Contains(r.Reason, `serviceaccount "nosuch" not found`) {
			t.Errorf("result %+v %v: want failed with the Job controller's reason", r.Result, r.err)
		}
		if names, err := e.Find(context.Background(), task); err != nil || len(names) != 0 {
			t.Errorf("Find after the Job was ended: %v %v, want none", names, err)
		}
	})

	t.Run("LimitRange", func(t *testing.T) {
		// Another admission plugin: the namespace allows at most one CPU
		// a container.
		ns := namespace(t)
		one := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
		if _, err := client(t).CoreV1().LimitRanges(ns).Create(context.Background(), &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "small"},
			Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer, Max: one}}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		_, _, progress, done, _ := run(t, ns, documentedRules, func(o *kubernetes.Options) { o.CPU = "2" })
		pendingWith(t, progress, done, "maximum cpu usage per Container is 1")
		r := <-done
		if r.err != nil || r.Status != state.StatusFailed || !strings.Contains(r.Reason, "FailedCreate: ") || !strings.Contains(r.Reason, "maximum cpu usage per Container is 1") {
			t.Errorf("result %+v %v: want failed with the LimitRange's refusal", r.Result, r.err)
		}
	})

	t.Run("QuotaWaits", func(t *testing.T) {
		ns := namespace(t)
		c := client(t)
		if _, err := c.CoreV1().ResourceQuotas(ns).Create(context.Background(), &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "none"},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("0")}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		_, _, progress, done, cancel := run(t, ns, documentedRules, func(*kubernetes.Options) {})
		p := pendingWith(t, progress, done, "exceeded quota")
		if !strings.HasPrefix(p.Reason, "FailedCreate: ") {
			t.Errorf("progress %+v: want the FailedCreate reason", p)
		}
		select {
		case r := <-done:
			t.Fatalf("an exceeded quota ended the run: %+v %v; it may free up, the Job must wait", r.Result, r.err)
		case <-time.After(3 * after):
		}
		cancel()
		r := <-done
		if r.err != nil || r.Status != state.StatusCancelled || !strings.Contains(r.Reason, "exceeded quota") {
			t.Errorf("after cancel: %+v %v, want cancelled, saying no pod was created and why", r.Result, r.err)
		}
	})

	t.Run("NoEventsPermission", func(t *testing.T) {
		ns := namespace(t)
		// Nor may it read service accounts: the missing one makes a Job.
		e, task, progress, done, cancel := run(t, ns, without(documentedRules, "events", "serviceaccounts"), func(o *kubernetes.Options) { o.ServiceAccount = "nosuch" })
		p := pendingWith(t, progress, done, "no permission to list events in namespace "+ns)
		if p.JobID == "" {
			t.Errorf("progress %+v: want the job", p)
		}
		cancel()
		r := <-done
		if r.err != nil || r.Status != state.StatusCancelled {
			t.Errorf("after cancel: %+v %v, want cancelled", r.Result, r.err)
		}
		if names, err := e.Find(context.Background(), task); err != nil || len(names) != 0 {
			t.Errorf("Find after cancelling: %v %v, want none", names, err)
		}
	})
}
