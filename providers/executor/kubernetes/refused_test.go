package kubernetes

import (
	"errors"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestRefusedSettings: the API server's refusals to create a Job name
// the settings they are about, among those set; only definite refusals
// are refusals.
func TestRefusedSettings(t *testing.T) {
	jobs := schema.GroupResource{Group: "batch", Resource: "jobs"}
	all := Options{Namespace: "ml", ServiceAccount: "sa", CPU: "2", Memory: "1Gi", NodeSelector: map[string]string{"a": "b"},
		Labels: map[string]string{"team": "ml"}, InitImage: "x"}
	invalid := apierrors.NewInvalid(schema.GroupKind{Group: "batch", Kind: "Job"}, "j", field.ErrorList{
		field.Invalid(field.NewPath("spec", "template", "spec", "nodeSelector"), "b", "bad"),
		field.Invalid(field.NewPath("spec", "template", "spec", "containers").Index(0).Child("resources", "limits"), "2", "bad"),
		field.Invalid(field.NewPath("spec", "template", "spec", "initContainers").Index(0).Child("image"), "", "bad"),
	})
	for _, c := range []struct {
		o       Options
		err     error
		refusal bool
		want    []string
	}{
		{all, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "ml"), true, []string{"namespace"}},
		{Options{}, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "ml"), true, nil},
		{all, apierrors.NewForbidden(jobs, "", errors.New("no")), true, []string{"namespace"}},
		{all, invalid, true, []string{"node_selector", "cpu", "memory", "init_image"}},
		{all, apierrors.NewTimeoutError("slow", 1), false, nil},
		{all, apierrors.NewInternalError(errors.New("etcd")), false, nil},
		{all, &apierrors.StatusError{ErrStatus: metav1.Status{Reason: metav1.StatusReasonServiceUnavailable}}, false, nil},
	} {
		if got := isRefusal(c.err); got != c.refusal {
			t.Errorf("isRefusal(%v) = %v, want %v", c.err, got, c.refusal)
		}
		if !c.refusal {
			continue
		}
		if got := c.o.refusedSettings(c.err); !slices.Equal(got, c.want) {
			t.Errorf("refusedSettings(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
