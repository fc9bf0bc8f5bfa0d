package slurm

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/providers/executor"
)

// TestSettings: the slurm block's settings, as config evaluates them,
// become sbatch flags, each checked; nothing can smuggle in a flag the
// executor sets, a second script or a word for a shell.
func TestSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings map[string]any
		args     []string // sbatch flags the settings become
		wantErr  []string // substrings of the error; nil: no error
	}{
		{"none", nil, nil, nil},
		{"all", map[string]any{
			"partition": "gpu", "account": "ml-team", "qos": "high", "cpus": 8.0,
			"memory": "32G", "gpus": "a100:2", "constraint": "ib&v100", "extra_args": []any{"--exclusive", "--nice=10"},
		}, []string{"--partition=gpu", "--account=ml-team", "--qos=high", "--cpus-per-task=8",
			"--mem=32G", "--gres=gpu:a100:2", "--constraint=ib&v100", "--exclusive", "--nice=10"}, nil},
		{"memory in megabytes", map[string]any{"memory": 4096.0}, []string{"--mem=4096"}, nil},
		{"gpu count as a number", map[string]any{"gpus": 1.0}, []string{"--gres=gpu:1"}, nil},
		{"no gpus", map[string]any{"gpus": 0.0}, nil, nil},
		{"no gpus beside another gres", map[string]any{"gpus": "0", "extra_args": []any{"--gres=nvme:1"}}, []string{"--gres=nvme:1"}, nil},
		{"partition list", map[string]any{"partition": "a,b"}, []string{"--partition=a,b"}, nil},
		{"constraint brackets", map[string]any{"constraint": "[rack1|rack2]"}, []string{"--constraint=[rack1|rack2]"}, nil},
		{"short flag alone", map[string]any{"extra_args": []any{"-k"}}, []string{"-k"}, nil},
		{"other gres without gpus", map[string]any{"extra_args": []any{"--gres=nvme:1"}}, []string{"--gres=nvme:1"}, nil},
		{"time-min is not time", map[string]any{"extra_args": []any{"--time-min=10"}}, []string{"--time-min=10"}, nil},
		{"unknown", map[string]any{"partiton": "gpu"}, nil, []string{`no setting "partiton"; did you mean "partition"?`}},
		{"zero cpus", map[string]any{"cpus": 0.0}, nil, []string{"cpus", "0 is not a positive whole number"}},
		{"bad cpus", map[string]any{"cpus": "four"}, nil, []string{`cpus: want a whole number, not the string "four"`}},
		{"bad memory", map[string]any{"memory": "lots"}, nil, []string{`memory: "lots" is not megabytes`}},
		{"bad gpus", map[string]any{"gpus": "a100:"}, nil, []string{`gpus: "a100:"`}},
		{"spaces in partition", map[string]any{"partition": "a b"}, nil, []string{`partition: "a b" is not a partition name`}},
		{"injection in account", map[string]any{"account": "x --wrap=rm"}, nil, []string{"account"}},
		{"shell in qos", map[string]any{"qos": "$(reboot)"}, nil, []string{"qos"}},
		{"extra as a string", map[string]any{"extra_args": "--exclusive"}, nil, []string{"want a list of strings"}},
		{"extra not a flag", map[string]any{"extra_args": []any{"exclusive"}}, nil, []string{`"exclusive" is not an sbatch flag`}},
		{"extra second script", map[string]any{"extra_args": []any{"--exclusive", "/tmp/evil.sh"}}, nil, []string{`"/tmp/evil.sh" is not an sbatch flag`}},
		{"extra value apart", map[string]any{"extra_args": []any{"--mail-type", "END"}}, nil, []string{`"END" is not an sbatch flag`}},
		{"extra sets output", map[string]any{"extra_args": []any{"--output=/tmp/x"}}, nil, []string{"\"--output=/tmp/x\": --output is set by the executor"}},
		{"extra abbreviates output", map[string]any{"extra_args": []any{"--out=/tmp/x"}}, nil, []string{"--out abbreviates --output"}},
		{"extra sets time", map[string]any{"extra_args": []any{"-t"}}, nil, []string{"-t comes from the step's timeout"}},
		{"extra sets partition", map[string]any{"extra_args": []any{"-pgpu"}}, nil, []string{`"-pgpu": write short flags alone`}},
		{"extra short cluster", map[string]any{"extra_args": []any{"-vp"}}, nil, []string{`"-vp": write short flags alone`}},
		{"extra sets mem", map[string]any{"extra_args": []any{"--exclusive", "--mem=4G"}}, nil, []string{"\"--mem=4G\": for --mem use the memory setting"}},
		{"extra newline", map[string]any{"extra_args": []any{"--comment=a\nb"}}, nil, []string{"control character"}},
		{"gres twice", map[string]any{"gpus": "2", "extra_args": []any{"--gres=nvme:1"}}, nil, []string{"--gres conflicts with the gpus setting"}},
		// sbatch --quiet submits the job but prints no id: mlform recorded a
		// failed attempt while the job ran unwatched. --help, --usage and
		// --version print and submit nothing. Each passed validate.
		{"extra quiet", map[string]any{"extra_args": []any{"--quiet"}}, nil, []string{`"--quiet": --quiet hides the job id sbatch prints`}},
		{"extra short quiet", map[string]any{"extra_args": []any{"-Q"}}, nil, []string{"-Q hides the job id"}},
		{"extra abbreviates quiet", map[string]any{"extra_args": []any{"--qui"}}, nil, []string{"--qui abbreviates --quiet"}},
		{"extra help", map[string]any{"extra_args": []any{"-h"}}, nil, []string{"-h makes sbatch print and exit without submitting"}},
		{"extra usage", map[string]any{"extra_args": []any{"--usage"}}, nil, []string{"--usage makes sbatch print and exit"}},
		{"extra version", map[string]any{"extra_args": []any{"-V"}}, nil, []string{"-V makes sbatch print and exit"}},
		// sbatch refuses these pairs at every submission.
		{"mem per cpu with memory", map[string]any{"memory": "4G", "extra_args": []any{"--exclusive", "--mem-per-cpu=1G"}}, nil, []string{"extra_args", "--mem-per-cpu conflicts with the memory setting"}},
		{"mem per gpu with memory", map[string]any{"memory": "4G", "extra_args": []any{"--mem-per-gpu=1G"}}, nil, []string{"--mem-per-gpu conflicts with the memory setting"}},
		{"cpus per gpu with cpus", map[string]any{"cpus": 4.0, "extra_args": []any{"--cpus-per-gpu=2"}}, nil, []string{"--cpus-per-gpu conflicts with the cpus setting"}},
		{"mem per cpu alone", map[string]any{"extra_args": []any{"--mem-per-cpu=1G", "--cpus-per-gpu=2"}}, []string{"--mem-per-cpu=1G", "--cpus-per-gpu=2"}, nil},
		{"binary", map[string]any{"binary": "/shared/bin/mlform"}, nil, nil},
		{"relative binary", map[string]any{"binary": "bin/mlform"}, nil, []string{`binary: "bin/mlform" is not a clean absolute path`}},
		{"unclean binary", map[string]any{"binary": "/shared/../bin/mlform"}, nil, []string{"binary", "not a clean absolute path"}},
		{"two errors", map[string]any{"cpus": "x", "colour": "red"}, nil, []string{"cpus", `"colour"`}},
	}
	r := executor.NewRegistry()
	Register(r)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := r.Decode(Name, tt.settings)
			if wanterr.CheckAll(t, err, tt.wantErr) {
				if _, oerr := r.Open(Name, tt.settings); oerr == nil {
					t.Error("Open accepted what Decode refused")
				}
				return
			}
			o := OptionsFrom(s)
			if got := o.sbatchArgs(); !slices.Equal(got, tt.args) {
				t.Errorf("sbatch flags %q, want %q", got, tt.args)
			}
			if want, _ := tt.settings["binary"].(string); o.Binary != want {
				t.Errorf("Options.Binary %q, want %q", o.Binary, want)
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
		{"other cluster's config in env", func(t *executor.Task) { t.Env = map[string]string{"SLURM_CONF": "/other/slurm.conf"} }, "SLURM_CONF"},
		{"other cluster in env", func(t *executor.Task) { t.Env = map[string]string{"SLURM_CLUSTERS": "b"} }, "SLURM_CLUSTERS"},
		{"output umask in env", func(t *executor.Task) { t.Env = map[string]string{"SLURM_UMASK": "0777"} }, "SLURM_UMASK"},
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

// FuzzExtraArgs: whatever extra_args the check accepts can only be flags
// sbatch reads as options: no bare word (a second batch script), no
// reserved flag or abbreviation of one, no short-flag cluster, no line
// break.
func FuzzExtraArgs(f *testing.F) {
	for _, s := range []string{"--exclusive", "--nice=10", "-k", "--out=/x", "-pgpu", "END", "--gres=gpu:1", "--comment=a b", "-", "--", "--=x"} {
		f.Add(s, "--exclusive")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		args, err := parseExtraArgs([]string{a, b})
		if err != nil {
			return
		}
		for _, w := range args {
			if !strings.HasPrefix(w, "-") || strings.ContainsAny(w, "\x00\n\r") {
				t.Fatalf("accepted %q", w)
			}
			name, _, _ := strings.Cut(w, "=")
			if !strings.HasPrefix(name, "--") && len(w) != 2 || name == "--" {
				t.Fatalf("accepted short-flag text %q", w)
			}
			for r := range reserved {
				if name == r || strings.HasPrefix(name, "--") && strings.HasPrefix(r, name) {
					t.Fatalf("accepted %q, which is or abbreviates the reserved %s", w, r)
				}
			}
		}
	})
}

// TestRemoteBinary: the mlform the jobs run is checked on this machine
// before anything is submitted: it must be an executable file.
func TestRemoteBinary(t *testing.T) {
	dir := t.TempDir()
	plain := dir + "/plain"
	exe := dir + "/mlform"
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		binary, want string
	}{
		{exe, ""},
		{dir + "/missing", "no such file"},
		{plain, "is not an executable file"},
		{dir, "is not an executable file"},
		{"bin/mlform", "want an absolute path"},
	}
	for _, tt := range tests {
		got, err := New(Options{Binary: tt.binary}).RemoteBinary()
		switch {
		case tt.want == "" && (err != nil || got != tt.binary):
			t.Errorf("%s: %q %v, want it accepted", tt.binary, got, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error saying %q", tt.binary, err, tt.want)
		}
	}
	if got, err := New(Options{}).RemoteBinary(); err != nil || !filepath.IsAbs(got) {
		t.Errorf("default binary %q %v, want the running binary's absolute path", got, err)
	}
}
