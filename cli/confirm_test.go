package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestConfirm: the apply prompt takes only "yes"; input that ends without
// an answer (Ctrl-D at a terminal) cancels with a message that says what
// to do, on a line of its own after the prompt.
func TestConfirm(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		wantErr string
	}{
		{in: "yes\n", ok: true},
		{in: "  yes  \n", ok: true},
		{in: "no\n"},
		{in: "yes", ok: true}, // the last line without its newline still answers
		{in: "", wantErr: `apply cancelled: the input ended without an answer; only "yes" approves (-auto-approve applies without asking)`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		g := &Globals{Stdin: strings.NewReader(tt.in), Stdout: &out}
		ok, err := confirm(context.Background(), g, nil)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("confirm(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			if !strings.HasSuffix(out.String(), "Enter a value: \n") {
				t.Errorf("confirm(%q) leaves the prompt's line open: %q", tt.in, out.String())
			}
			continue
		}
		if err != nil || ok != tt.ok {
			t.Errorf("confirm(%q) = %v, %v; want %v", tt.in, ok, err, tt.ok)
		}
	}
}
