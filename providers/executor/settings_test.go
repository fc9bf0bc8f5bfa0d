package executor

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDecodeSettings: raw values as config evaluates them become the
// declared Go types, and every problem is a *SettingError naming the
// setting, with a suggestion for a misspelt one.
func TestDecodeSettings(t *testing.T) {
	var got Settings
	r := NewRegistry()
	r.Add("batch", Spec{
		Factory: func(s Settings) (Executor, error) { got = s; return fakeExecutor{}, nil },
		Settings: []Setting{
			{Name: "queue", Type: String},
			{Name: "cpus", Type: Int, Check: func(v any) error {
				if v.(int) < 1 {
					return fmt.Errorf("%d is not positive", v)
				}
				return nil
			}},
			{Name: "exclusive", Type: Bool},
			{Name: "args", Type: StringList},
			{Name: "grace", Type: Duration},
		},
		Validate: func(s Settings) error {
			if s.Bool("exclusive") && s.Int("cpus") > 64 {
				return &SettingError{Executor: "batch", Problem: "exclusive jobs take at most 64 cpus"}
			}
			return nil
		},
	})
	tests := []struct {
		name    string
		raw     map[string]any
		want    Settings
		wantErr []string // each a *SettingError: "setting|problem substring"
	}{
		{"empty", nil, Settings{}, nil},
		{"every type", map[string]any{"queue": "gpu", "cpus": 8.0, "exclusive": true, "args": []any{"-x", "--y=1"}, "grace": "30s"},
			Settings{"queue": "gpu", "cpus": 8, "exclusive": true, "args": []string{"-x", "--y=1"}, "grace": 30 * time.Second}, nil},
		{"number as string", map[string]any{"queue": 4096.0}, Settings{"queue": "4096"}, nil},
		{"null is unset", map[string]any{"queue": nil}, Settings{}, nil},
		{"typo", map[string]any{"queu": "gpu"}, nil, []string{`queu|did you mean "queue"?`}},
		{"far from anything", map[string]any{"colour": "red"}, nil, []string{`colour|(it has: args, cpus, exclusive, grace, queue)`}},
		{"fraction", map[string]any{"cpus": 1.5}, nil, []string{"cpus|want a whole number, not the number 1.5"}},
		{"check refuses", map[string]any{"cpus": 0.0}, nil, []string{"cpus|0 is not positive"}},
		{"list of numbers", map[string]any{"args": []any{"-x", 3.0}}, nil, []string{"args|element 1: want a string, not the number 3"}},
		{"string for list", map[string]any{"args": "-x"}, nil, []string{`args|want a list of strings, not the string "-x"`}},
		{"bool as string", map[string]any{"exclusive": "yes"}, nil, []string{"exclusive|want true or false"}},
		{"bad duration", map[string]any{"grace": "soon"}, nil, []string{`grace|not "soon"`}},
		{"two at once", map[string]any{"cpus": "x", "queu": "a"}, nil, []string{"cpus|whole number", "queu|queue"}},
		{"together", map[string]any{"cpus": 128.0, "exclusive": true}, nil, []string{"|at most 64 cpus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := r.Decode("batch", tt.raw)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(s, tt.want) {
					t.Errorf("decoded %#v, want %#v", s, tt.want)
				}
				got = nil
				if _, err := r.Open("batch", tt.raw); err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Open gave the factory %#v (%v), want %#v", got, err, tt.want)
				}
				return
			}
			var errs []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			} else if err != nil {
				errs = []error{err}
			}
			if len(errs) != len(tt.wantErr) {
				t.Fatalf("errors %v, want %d", err, len(tt.wantErr))
			}
			for i, w := range tt.wantErr {
				var se *SettingError
				if !errors.As(errs[i], &se) {
					t.Fatalf("error %d (%v) is not a *SettingError", i, errs[i])
				}
				setting, msg, _ := strings.Cut(w, "|")
				if tt.name == "list of numbers" && se.Element != 2 {
					t.Errorf("element %d, want 2 (1-based)", se.Element)
				}
				if se.Setting != setting || !strings.Contains(se.Error(), msg) {
					t.Errorf("error %d: %q (setting %q), want setting %q and %q", i, se.Error(), se.Setting, setting, msg)
				}
			}
			if _, err := r.Open("batch", tt.raw); err == nil || !strings.HasPrefix(err.Error(), `executor "batch": `) {
				t.Errorf("Open: %v, want the decode error naming the executor", err)
			}
		})
	}
	if _, err := r.Decode("nope", nil); err == nil || !strings.Contains(err.Error(), `unknown executor "nope"`) {
		t.Errorf("Decode of an unknown executor: %v", err)
	}
}
