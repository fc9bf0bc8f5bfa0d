package slurm

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"testing"
)

// TestRefusedSettings: sbatch's refusals name the settings they are
// about, among those set, so apply can point at where each is written.
func TestRefusedSettings(t *testing.T) {
	all := Options{Partition: "gpu", Account: "ml", QOS: "high", CPUs: 4, Memory: "4G", GPUs: "1", Constraint: "ib", ExtraArgs: []string{"--exclusive"}}
	for _, c := range []struct {
		o    Options
		msg  string
		want []string
	}{
		{all, "sbatch: error: invalid partition specified: gpu\nsbatch: error: Batch job submission failed: Invalid partition name specified", []string{"partition"}},
		{all, "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified", []string{"partition", "account"}},
		{all, "sbatch: error: Batch job submission failed: Invalid qos specification", []string{"qos"}},
		{all, "sbatch: error: Invalid generic resource (gres) specification", []string{"gpus"}},
		{all, "sbatch: error: Batch job submission failed: Invalid feature specification", []string{"constraint"}},
		{Options{Memory: "900G", Partition: "debug"}, "sbatch: error: Batch job submission failed: Requested node configuration is not available", []string{"memory"}},
		{Options{Partition: "debug", ExtraArgs: []string{"--nodelist=x"}}, "sbatch: error: Batch job submission failed: Invalid node name specified", []string{"extra_args"}},
		// The time limit is the step's timeout, not a setting.
		{all, "sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)", nil},
		// A setting not set is never named.
		{Options{}, "sbatch: error: invalid partition specified: x", nil},
	} {
		if got := c.o.refusedSettings(c.msg); !slices.Equal(got, c.want) {
			t.Errorf("refusedSettings(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}

// TestRefused: only an sbatch that ran and exited non-zero for a reason
// other than reaching the controller is a refusal (no job exists).
func TestRefused(t *testing.T) {
	exit := exec.Command("sh", "-c", "exit 1").Run()
	sbatch := func(stderr string, err error) error {
		return fmt.Errorf("train task for model.m: submit: %w", &commandError{Command: "sbatch", Stderr: stderr, Err: err})
	}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{sbatch("error: invalid partition specified: x", exit), true},
		{sbatch("error: Batch job submission failed: Unable to contact slurm controller (connect failure)", exit), false},
		{sbatch("error: Batch job submission failed: Socket timed out on send/recv operation", exit), false},
		{sbatch("", context.DeadlineExceeded), false},
		// Only a failure of the command is read, by its type: not a
		// message that merely looks like one.
		{fmt.Errorf("sbatch: error: invalid partition specified: x (%w)", exit), false},
	} {
		why, got := refused(c.err)
		if got != c.want {
			t.Errorf("refused(%v) = %v, want %v", c.err, got, c.want)
		}
		var ce *commandError
		if got && (!errors.As(c.err, &ce) || why != ce.Stderr) {
			t.Errorf("refused(%v) says %q, want sbatch's stderr", c.err, why)
		}
	}
}
