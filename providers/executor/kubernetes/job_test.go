package kubernetes

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/mlform/mlform/providers/executor"
	"github.com/mlform/mlform/providers/executor/remote"
)

func task() executor.Task {
	return executor.Task{Model: "churn", Version: 3, Step: executor.StepTrain,
		Command: []string{"python", "train.py", "--lr=$(LR)"}, Dir: "/work/ws",
		Env:     map[string]string{"MLFORM_MODEL": "churn", "PRICE": "$5", "B": "x"},
		Timeout: 90 * time.Second, Grace: 1500 * time.Millisecond}
}

func TestBuildJob(t *testing.T) {
	o := Options{Image: "ghcr.io/acme/train:1", CPU: "2", Memory: "4Gi", GPUs: 1, ServiceAccount: "trainer",
		NodeSelector: map[string]string{"pool": "gpu"}, Labels: map[string]string{"team": "ml", LabelTask: "forged"},
		Tolerations: []corev1.Toleration{{Key: "gpu", Operator: corev1.TolerationOpExists}},
		SecretEnv:   []SecretEnv{{"DB_PASSWORD", "db", "pw"}}}
	job, err := BuildJob(task(), o, "ml", "mlform-churn-v3-train-bcdfg")
	if err != nil {
		t.Fatal(err)
	}
	s := job.Spec
	if job.Namespace != "ml" || job.Name != "mlform-churn-v3-train-bcdfg" {
		t.Errorf("namespace %q name %q", job.Namespace, job.Name)
	}
	if *s.BackoffLimit != 0 || *s.ActiveDeadlineSeconds != 150 || *s.TTLSecondsAfterFinished != 86400 {
		t.Errorf("backoffLimit %d activeDeadlineSeconds %d ttl %d, want 0, 150 (90s timeout + a minute), 86400", *s.BackoffLimit, *s.ActiveDeadlineSeconds, *s.TTLSecondsAfterFinished)
	}
	p := s.Template.Spec
	if p.RestartPolicy != corev1.RestartPolicyNever || *p.TerminationGracePeriodSeconds != 2 || *p.EnableServiceLinks {
		t.Errorf("restartPolicy %s grace %d serviceLinks %v", p.RestartPolicy, *p.TerminationGracePeriodSeconds, *p.EnableServiceLinks)
	}
	if p.ServiceAccountName != "trainer" || p.NodeSelector["pool"] != "gpu" || len(p.Tolerations) != 1 {
		t.Errorf("placement: sa %q selector %v tolerations %v", p.ServiceAccountName, p.NodeSelector, p.Tolerations)
	}
	if got := s.Template.Labels[LabelTask]; got != TaskID(task()) {
		t.Errorf("pod label %s = %q: a user label must not override mlform's", LabelTask, got)
	}
	if job.Labels["team"] != "ml" || job.Labels[LabelModel] != "churn" || job.Labels[LabelVersion] != "3" {
		t.Errorf("labels %v", job.Labels)
	}
	c := p.Containers[0]
	if c.Image != o.Image || c.WorkingDir != "/work/ws" {
		t.Errorf("image %q dir %q", c.Image, c.WorkingDir)
	}
	// $ is escaped so Kubernetes' $(VAR) expansion leaves the command
	// and values as mlform gave them.
	if got := strings.Join(c.Command, " "); got != "python train.py --lr=$$(LR)" {
		t.Errorf("command %q", got)
	}
	// The task's environment is read from the Secret of the Job's name,
	// not written in the Job; secret_env are references, and their names
	// are passed to the runner.
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != job.Name {
		t.Errorf("envFrom %+v, want the Secret %s", c.EnvFrom, job.Name)
	}
	var names []string
	for _, e := range c.Env {
		names = append(names, e.Name)
		switch e.Name {
		case remote.EnvPass:
			if e.Value != "DB_PASSWORD" {
				t.Errorf("%s = %q, want the secret_env names", remote.EnvPass, e.Value)
			}
		case "DB_PASSWORD":
			ref := e.ValueFrom.SecretKeyRef
			if e.Value != "" || ref.Name != "db" || ref.Key != "pw" {
				t.Errorf("DB_PASSWORD: value %q ref %+v: want only a reference", e.Value, ref)
			}
		}
	}
	if got := strings.Join(names, ","); got != remote.EnvPass+",DB_PASSWORD" {
		t.Errorf("env %s: want only the secret_env references and their names", got)
	}
	// With an attempt, the Secret's name is fixed by the task (Find
	// finds it after a killed Submit), not the Job's random one.
	at := task()
	at.Attempt = "1a2b3c4d5e6f7a8b"
	aj, err := BuildJob(at, o, "ml", "mlform-churn-v3-train-1a2b3c4d5e6f-bcdfg")
	if err != nil {
		t.Fatal(err)
	}
	if got := aj.Spec.Template.Spec.Containers[0].EnvFrom[0].SecretRef.Name; got != "mlform-churn-v3-train-1a2b3c4d5e6f-env" || EnvSecretName(at, aj.Name) != got {
		t.Errorf("envFrom Secret %q with an attempt, want mlform-churn-v3-train-1a2b3c4d5e6f-env", got)
	}
	sec := BuildEnvSecret(task(), o, "ml", job.Name)
	if sec.Name != job.Name || string(sec.Data["PRICE"]) != "$5" || len(sec.Data) != 3 || sec.Labels[LabelTask] != TaskID(task()) {
		t.Errorf("env secret %+v: want the task's env as given, labelled as the Job", sec)
	}
	if len(p.InitContainers) != 0 || len(p.Volumes) != 0 {
		t.Errorf("init containers %v volumes %v without an init image", p.InitContainers, p.Volumes)
	}
	want := map[corev1.ResourceName]string{"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}
	for name, v := range want {
		if q := c.Resources.Limits[name]; q.Cmp(resource.MustParse(v)) != 0 {
			t.Errorf("limit %s = %s, want %s", name, q.String(), v)
		}
	}
	if _, ok := c.Resources.Requests["nvidia.com/gpu"]; ok {
		t.Error("GPUs are requested; Kubernetes wants them as limits only")
	}
}

// TestBuildJobInit: with an init image, an init container copies mlform
// onto a volume the step's container mounts read-only at BinaryPath's
// directory.
func TestBuildJobInit(t *testing.T) {
	tk := task()
	tk.Env = nil
	for _, tt := range []struct{ bin, want string }{{"", DefaultInitBinary}, {"/opt/mlform", "/opt/mlform"}} {
		job, err := BuildJob(tk, Options{Image: "x", InitImage: "ghcr.io/acme/mlform:1", InitBinary: tt.bin}, "default", "j")
		if err != nil {
			t.Fatal(err)
		}
		p := job.Spec.Template.Spec
		if len(p.InitContainers) != 1 || len(p.Volumes) != 1 || p.Volumes[0].EmptyDir == nil {
			t.Fatalf("init containers %+v volumes %+v", p.InitContainers, p.Volumes)
		}
		ic := p.InitContainers[0]
		if ic.Image != "ghcr.io/acme/mlform:1" || strings.Join(ic.Command, " ") != tt.want+" step install "+BinaryPath {
			t.Errorf("init container image %q command %q", ic.Image, ic.Command)
		}
		m := p.Containers[0].VolumeMounts
		if len(m) != 1 || !m[0].ReadOnly || m[0].MountPath+"/mlform" != BinaryPath || ic.VolumeMounts[0].ReadOnly {
			t.Errorf("mounts: step %+v init %+v", m, ic.VolumeMounts)
		}
		if p.Containers[0].EnvFrom != nil || BuildEnvSecret(tk, Options{}, "default", "j") != nil {
			t.Error("a task without env gets a Secret")
		}
	}
}

func TestBuildJobDeadline(t *testing.T) {
	tests := []struct {
		timeout, slack time.Duration
		want           int64 // 0: no deadline
	}{
		{0, 0, 0},
		{90 * time.Second, 0, 150},
		{90 * time.Second, -1, 90},
		{1500 * time.Millisecond, -1, 2},
		{time.Second, 10 * time.Second, 11},
	}
	for _, tt := range tests {
		tk := task()
		tk.Timeout = tt.timeout
		job, err := BuildJob(tk, Options{Image: "x", DeadlineSlack: tt.slack}, "default", "j")
		if err != nil {
			t.Fatal(err)
		}
		got := int64(0)
		if d := job.Spec.ActiveDeadlineSeconds; d != nil {
			got = *d
		}
		if got != tt.want {
			t.Errorf("timeout %s slack %s: activeDeadlineSeconds %d, want %d", tt.timeout, tt.slack, got, tt.want)
		}
	}
}

func TestBuildJobErrors(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		edit func(*executor.Task)
		want string
	}{
		{"no image", Options{}, nil, "needs an image"},
		{"secret env also plain", Options{Image: "x", SecretEnv: []SecretEnv{{"B", "s", "k"}}}, nil, "B is also in secret_env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := task()
			if tt.edit != nil {
				tt.edit(&tk)
			}
			_, err := BuildJob(tk, tt.o, "default", "j")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestJobPrefix(t *testing.T) {
	tests := []struct {
		model   string
		version int
		want    string
	}{
		{"churn", 3, "mlform-churn-v3-train-"},
		{"Churn_Model.v2", 12, "mlform-churn-model-v2-v12-train-"},
		{"___", 1, "mlform-v1-train-"},
		{strings.Repeat("a", 80), 100, "mlform-" + strings.Repeat("a", 39) + "-v100-train-"},
		{"x", 0, "mlform-x-train-"},
	}
	withAttempt := JobPrefix(executor.Task{Model: strings.Repeat("a", 80), Version: 100, Step: executor.StepTrain, Attempt: "1A2B3C4D5E6F7"})
	if want := "mlform-" + strings.Repeat("a", 26) + "-v100-train-1a2b3c4d5e6f-"; withAttempt != want {
		t.Errorf("JobPrefix with an attempt = %q, want %q", withAttempt, want)
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			got := JobPrefix(executor.Task{Model: tt.model, Version: tt.version, Step: executor.StepTrain})
			if got != tt.want {
				t.Errorf("JobPrefix = %q, want %q", got, tt.want)
			}
			if msgs := validation.IsDNS1123Label(got + "abcde"); len(msgs) > 0 {
				t.Errorf("%q + 5 characters is not a valid Job name: %v", got, msgs)
			}
		})
	}
}

func TestTaskID(t *testing.T) {
	a := executor.Task{Model: "churn", Version: 3, Step: executor.StepTrain}
	ids := map[string]bool{TaskID(a): true}
	for _, b := range []executor.Task{
		{Model: "churn", Version: 4, Step: executor.StepTrain},
		{Model: "churn", Version: 3, Step: executor.StepEvaluate},
		{Model: "churn3", Version: 0, Step: executor.StepTrain},
		{Model: "churn", Version: 3, Step: executor.StepTrain, Attempt: "1a2b3c4d5e6f"},
	} {
		if ids[TaskID(b)] {
			t.Errorf("TaskID(%+v) collides", b)
		}
		ids[TaskID(b)] = true
	}
	if msgs := validation.IsValidLabelValue(TaskID(a)); len(msgs) > 0 {
		t.Errorf("TaskID is not a label value: %v", msgs)
	}
}
