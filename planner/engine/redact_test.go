package engine

import (
	"bytes"
	"io"
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

func TestRedactWriter(t *testing.T) {
	secrets := []string{"s3cr3t-longer", "s3cr3t", "0.777"}
	long := strings.Repeat("x", MaxPendingOutput)
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"nothing to hide", []string{"hello\n", "world"}, "hello\nworld"},
		{"whole line", []string{"token=s3cr3t\n"}, "token=(sensitive value)\n"},
		{"split across writes", []string{"token=s3c", "r3t and 0.7", "77\n"}, "token=(sensitive value) and (sensitive value)\n"},
		{"longest first", []string{"s3cr3t-longer s3cr3t\n"}, "(sensitive value) (sensitive value)\n"},
		{"no final newline", []string{"a s3cr3t"}, "a (sensitive value)"},
		{"secret at the cut of a long line", []string{long[:len(long)-3], "s3cr3t", "tail\n"}, long[:len(long)-3] + "(sensitive value)tail\n"},
		{"secret past a long line", []string{long, long, "s3cr3t\n"}, long + long + "(sensitive value)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := NewRedactWriter(&b, secrets)
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := w.(*redactWriter).Close(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %.80q... (%d bytes), want %.80q... (%d bytes)", b.String(), b.Len(), tt.want, len(tt.want))
			}
		})
	}
}

func TestRedactWriterBoundsMemory(t *testing.T) {
	var b bytes.Buffer
	w := NewRedactWriter(&b, []string{"s3cr3t"}).(*redactWriter)
	chunk := []byte(strings.Repeat("y", 4096))
	for range 1000 {
		w.Write(chunk)
		if len(w.buf) > MaxPendingOutput+len(chunk) {
			t.Fatalf("holds %d bytes of a line without end", len(w.buf))
		}
	}
}

func TestRedactWriterNoSecrets(t *testing.T) {
	var b bytes.Buffer
	if w := NewRedactWriter(&b, nil); w != &b {
		t.Errorf("with no secrets the writer should be passed through")
	}
}

// FuzzRedactWriter: however a trainer's output is cut into writes, no
// secret (plain letters and digits, so the placeholder cannot form one)
// gets through.
func FuzzRedactWriter(f *testing.F) {
	f.Add("token=s3cr3t\nmore", "s3cr3t", 3)
	f.Add(strings.Repeat("a", 70000)+"s3cr3t", "s3cr3t", 65536)
	f.Fuzz(func(t *testing.T, text, secret string, cut int) {
		if len(secret) < minSecretLen || strings.ContainsFunc(secret, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}) {
			return
		}
		var b bytes.Buffer
		w := NewRedactWriter(&b, []string{secret}).(*redactWriter)
		if cut < 0 || cut > len(text) {
			cut = len(text) / 2
		}
		w.Write([]byte(text[:cut]))
		w.Write([]byte(text[cut:]))
		w.Close()
		if strings.Contains(b.String(), secret) {
			t.Fatalf("secret %q in output %q", secret, b.String())
		}
	})
}

// BenchmarkRedactWriter: trainer output (80-byte lines, 4 KiB writes)
// through the redactor with three secrets.
func BenchmarkRedactWriter(b *testing.B) {
	line := strings.Repeat("epoch 10/30 loss 0.4538 acc 0.7860 ", 3)[:79] + "\n"
	chunk := []byte(strings.Repeat(line, 4096/len(line)))
	w := NewRedactWriter(io.Discard, []string{"s3cr3t-token-value", "0.777", "hunter2"})
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		w.Write(chunk)
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
