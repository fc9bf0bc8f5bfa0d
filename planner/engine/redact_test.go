package engine

import (
	"reflect"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/config"
)

func TestSensitiveTexts(t *testing.T) {
	vars := map[string]*config.Variable{
		"token":  {Sensitive: true, Value: cty.StringVal("s3cr3t")},
		"floor":  {Sensitive: true, Value: cty.NumberFloatVal(0.777)},
		"short":  {Sensitive: true, Value: cty.StringVal("ab")},
		"pem":    {Sensitive: true, Value: cty.StringVal("-----BEGIN-----\r\nAAAA\n-----END-----")},
		"nested": {Sensitive: true, Value: cty.ObjectVal(map[string]cty.Value{"k": cty.StringVal("inner-secret"), "n": cty.NullVal(cty.String)})},
		"public": {Value: cty.StringVal("not-a-secret")},
		"unset":  {Sensitive: true},
	}
	got := strings.Join(SensitiveTexts(vars), "|")
	want := "-----BEGIN-----\r\nAAAA\n-----END-----|-----BEGIN-----|-----END-----|inner-secret|s3cr3t|0.777|AAAA"
	if got != want {
		t.Errorf("sensitiveTexts = %q, want %q", got, want)
	}
}

func TestRedactMetricNames(t *testing.T) {
	secrets := []string{"tok-123"}
	tests := []struct {
		name    string
		in      map[string]float64
		want    map[string]float64
		wantErr bool
	}{
		{"no secret", map[string]float64{"acc": 1}, map[string]float64{"acc": 1}, false},
		{"secret in name", map[string]float64{"acc_tok-123": 0.5, "loss": 2}, map[string]float64{"acc_" + config.SensitivePlaceholder: 0.5, "loss": 2}, false},
		{"collision", map[string]float64{"tok-123": 1, config.SensitivePlaceholder: 2}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RedactMetricNames(tt.in, secrets)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
