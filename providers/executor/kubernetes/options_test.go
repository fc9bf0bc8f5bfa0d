package kubernetes

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    map[string]string
		want    Options
		wantErr []string // substrings of the error; nil: no error
	}{
		{"none", nil, Options{}, nil},
		{"all", map[string]string{
			"image": "ghcr.io/acme/train:1.2", "namespace": "ml", "service_account": "trainer",
			"cpu": "500m", "memory": "4Gi", "gpus": "2", "node_selector": "disktype=ssd, zone=a",
			"tolerations": "gpu=true:NoSchedule,spot:NoExecute,dedicated:Exists,any",
			"labels":      "team=ml", "secret_env": "DB_PASSWORD=db-creds/password,TOKEN=api/token",
			"ttl_after_finished": "1h", "kubeconfig": "/etc/kube.conf", "context": "prod",
			"init_image": "reg/mlform:1", "init_binary": "/opt/mlform",
		}, Options{
			Image: "ghcr.io/acme/train:1.2", Namespace: "ml", ServiceAccount: "trainer", CPU: "500m", Memory: "4Gi", GPUs: 2,
			NodeSelector: map[string]string{"disktype": "ssd", "zone": "a"},
			Tolerations: []corev1.Toleration{
				{Key: "gpu", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule},
				{Key: "spot", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
				{Key: "dedicated", Operator: corev1.TolerationOpExists},
				{Key: "any", Operator: corev1.TolerationOpExists},
			},
			Labels:           map[string]string{"team": "ml"},
			SecretEnv:        []SecretEnv{{"DB_PASSWORD", "db-creds", "password"}, {"TOKEN", "api", "token"}},
			TTLAfterFinished: time.Hour, Kubeconfig: "/etc/kube.conf", Context: "prod",
			InitImage: "reg/mlform:1", InitBinary: "/opt/mlform",
		}, nil},
		{"unknown", map[string]string{"namepsace": "ml"}, Options{}, []string{`unknown setting "namepsace"`, "namespace, service_account"}},
		{"bad namespace", map[string]string{"namespace": "ML_Team"}, Options{}, []string{`namespace = "ML_Team"`}},
		{"bad cpu", map[string]string{"cpu": "two"}, Options{}, []string{`cpu = "two"`, "quantity"}},
		{"zero memory", map[string]string{"memory": "0"}, Options{}, []string{`memory = "0"`}},
		{"negative gpus", map[string]string{"gpus": "-1"}, Options{}, []string{`gpus = "-1"`}},
		{"selector without value", map[string]string{"node_selector": "ssd"}, Options{}, []string{"node_selector", `"ssd": want key=value`}},
		{"bad label value", map[string]string{"labels": "team=machine learning"}, Options{}, []string{"labels", "machine learning"}},
		{"duplicate label", map[string]string{"labels": "a=1,a=2"}, Options{}, []string{`key "a" given twice`}},
		// The API server refused every Job with these (the Job controller's
		// own pod labels); they passed validate.
		{"job controller label", map[string]string{"labels": "team=ml,batch.kubernetes.io/job-name=x"}, Options{}, []string{"labels", `key "batch.kubernetes.io/job-name": the Job controller sets this label`}},
		{"legacy job controller label", map[string]string{"labels": "controller-uid=abc"}, Options{}, []string{`key "controller-uid": the Job controller sets`}},
		{"bad effect", map[string]string{"tolerations": "gpu:NoRun"}, Options{}, []string{`effect "NoRun"`}},
		{"tolerate every taint", map[string]string{"tolerations": ":Exists"}, Options{Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}, nil},
		{"tolerate every NoSchedule taint", map[string]string{"tolerations": ":NoSchedule"}, Options{Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}}, nil},
		{"empty key with a value", map[string]string{"tolerations": "=x:NoSchedule"}, Options{}, []string{"an empty key tolerates every taint", "takes no value"}},
		{"no gpus", map[string]string{"gpus": "0"}, Options{}, nil},
		{"secret without key", map[string]string{"secret_env": "PW=creds"}, Options{}, []string{"VARIABLE=SECRET/KEY"}},
		{"secret bad variable", map[string]string{"secret_env": "1PW=creds/pw"}, Options{}, []string{`variable "1PW"`}},
		{"secret as mlform's own variable", map[string]string{"secret_env": "MLFORM_STEP_PASS=creds/pw"}, Options{}, []string{`variable "MLFORM_STEP_PASS"`, "belong to mlform"}},
		{"secret as a contract variable", map[string]string{"secret_env": "PW=a/b,MLFORM_VERSION=creds/v"}, Options{}, []string{`variable "MLFORM_VERSION"`}},
		{"secret twice", map[string]string{"secret_env": "PW=a/b,PW=c/d"}, Options{}, []string{"PW given twice"}},
		{"ttl fraction", map[string]string{"ttl_after_finished": "1.5s"}, Options{}, []string{"whole seconds"}},
		{"image with space", map[string]string{"image": "a b"}, Options{}, []string{`image = "a b"`}},
		{"init image with space", map[string]string{"init_image": "a b"}, Options{}, []string{`init_image = "a b"`}},
		{"relative init binary", map[string]string{"init_binary": "bin/mlform"}, Options{}, []string{`init_binary = "bin/mlform"`, "absolute path"}},
		{"two errors", map[string]string{"cpu": "x", "colour": "red"}, Options{}, []string{"cpu", `"colour"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOptions(tt.opts)
			if wanterr.CheckAll(t, err, tt.wantErr) {
				if _, ferr := Factory(tt.opts); ferr == nil {
					t.Error("Factory accepted what ParseOptions refused")
				}
				return
			}
			if !reflect.DeepEqual(o, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", o, tt.want)
			}
		})
	}
}
