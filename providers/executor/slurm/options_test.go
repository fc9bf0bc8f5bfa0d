package slurm

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mlform/mlform/providers/executor"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    map[string]string
		args    []string // sbatch flags the settings become
		wantErr []string // substrings of the error; nil: no error
	}{
		{"none", nil, nil, nil},
		{"all", map[string]string{
			"partition": "gpu", "account": "ml-team", "qos": "high", "cpus": "8",
			"memory": "32G", "gpus": "a100:2", "constraint": "ib&v100", "extra_args": "--exclusive --nice=10",
		}, []string{"--partition=gpu", "--account=ml-team", "--qos=high", "--cpus-per-task=8",
			"--mem=32G", "--gpus=a100:2", "--constraint=ib&v100", "--exclusive", "--nice=10"}, nil},
		{"memory in megabytes", map[string]string{"memory": "4096"}, []string{"--mem=4096"}, nil},
		{"gpu count", map[string]string{"gpus": "1"}, []string{"--gpus=1"}, nil},
		{"flag with value", map[string]string{"extra_args": "--mail-type END"}, []string{"--mail-type", "END"}, nil},
		{"unknown", map[string]string{"partiton": "gpu"}, nil, []string{`unknown setting "partiton"`, "partition, account"}},
		{"zero cpus", map[string]string{"cpus": "0"}, nil, []string{"cpus", "positive whole number"}},
		{"bad cpus", map[string]string{"cpus": "four"}, nil, []string{`cpus = "four"`}},
		{"bad memory", map[string]string{"memory": "lots"}, nil, []string{`memory = "lots"`}},
		{"bad gpus", map[string]string{"gpus": "a100:"}, nil, []string{`gpus = "a100:"`}},
		{"spaces in partition", map[string]string{"partition": "a b"}, nil, []string{`partition = "a b"`}},
		{"injection in account", map[string]string{"account": "x --wrap=rm"}, nil, []string{"account"}},
		{"extra not a flag", map[string]string{"extra_args": "exclusive"}, nil, []string{`"exclusive" is not an sbatch flag`}},
		{"extra sets output", map[string]string{"extra_args": "--output=/tmp/x"}, nil, []string{"--output is set by the executor"}},
		{"extra sets time", map[string]string{"extra_args": "-t 10"}, nil, []string{"-t comes from the step's timeout"}},
		{"extra sets partition", map[string]string{"extra_args": "-pgpu"}, nil, []string{"-p: use the partition setting"}},
		{"extra sets mem", map[string]string{"extra_args": "--exclusive --mem=4G"}, nil, []string{"--mem: use the memory setting"}},
		{"two errors", map[string]string{"cpus": "x", "colour": "red"}, nil, []string{"cpus", `"colour"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOptions(tt.opts)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want one naming %q", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if _, ferr := Factory(tt.opts); ferr == nil {
					t.Error("Factory accepted what ParseOptions refused")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := o.sbatchArgs(); !slices.Equal(got, tt.args) {
				t.Errorf("sbatch flags %q, want %q", got, tt.args)
			}
		})
	}
}

func TestJobName(t *testing.T) {
	tests := []struct {
		model   string
		version int
		step    string
		attempt string
		want    string
	}{
		{"churn", 3, "train", "", "mlform-churn-v3-train"},
		{"churn", 12, "evaluate", "", "mlform-churn-v12-evaluate"},
		{"fraud", 0, "train", "", "mlform-fraud-train"},
		{"churn", 5, "train", "1a2b3c4d5e6f", "mlform-churn-v5-train-1a2b3c4d5e6f"},
	}
	for _, tt := range tests {
		task := taskFor(tt.model, tt.version, tt.step)
		task.Attempt = tt.attempt
		if got := JobName(task); got != tt.want {
			t.Errorf("JobName(%s v%d %s) = %q, want %q", tt.model, tt.version, tt.step, got, tt.want)
		}
	}
}

func TestBatchScriptQuoting(t *testing.T) {
	task := taskFor("churn", 1, "train")
	task.Command = []string{"python", "it's here", "$HOME", "a b", "`x`"}
	got := batchScript(task, "/usr/bin/python")
	want := `exec '/usr/bin/python' 'it'\''s here' '$HOME' 'a b' '` + "`x`" + `'` + "\n"
	if !strings.HasSuffix(got, want) || !strings.HasPrefix(got, "#!/bin/sh\n") {
		t.Errorf("script\n%s\nwant it to end with\n%s", got, want)
	}
}

func TestSubmitRefusesBadTasks(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*executor.Task)
		wantErr string
	}{
		{"sbatch option in env", func(t *executor.Task) { t.Env = map[string]string{"SBATCH_OUTPUT": "/x"} }, "SBATCH_OUTPUT"},
		{"missing working dir", func(t *executor.Task) { t.Dir = "/no/such/dir" }, "working directory"},
		{"command not found", func(t *executor.Task) { t.Command = []string{"./no-such-trainer"}; t.Dir = "/" }, "no-such-trainer"},
		{"empty command", func(t *executor.Task) { t.Command = nil }, "command is empty"},
	}
	// Every case fails before sbatch runs: Commands points nowhere.
	e := New(Options{Commands: "/no/such/slurm/bin", ScratchDir: t.TempDir()})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := taskFor("churn", 2, executor.StepTrain)
			tt.edit(&task)
			_, err := e.Submit(context.Background(), task)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "model.churn v2") {
				t.Errorf("error %v, want one naming %q and the model", err, tt.wantErr)
			}
		})
	}
}
