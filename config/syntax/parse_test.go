package syntax

import (
	"strings"
	"testing"
)

func TestCommaBlockDiagnostic(t *testing.T) {
	tests := []struct {
		name, src string
		at        string // line:col of the diagnostic ("" when the file parses)
		summary   string
		detail    string // a part of the detail
	}{
		{
			name:    "nested block",
			src:     "retrain_policy \"p\" {\n  drift { method = \"psi\", threshold = 0.2 } # c\n}\n",
			at:      "2:25",
			summary: "Commas between a block's arguments",
			detail:  "write one argument a line:\n  drift {\n    method    = \"psi\"\n    threshold = 0.2\n  }",
		},
		{
			name:    "labels, and commas inside values",
			src:     "metric \"a\" { below = [1, 2], above = { x = 1, y = 2 }, c = max(1, \"é,\") }\n",
			at:      "1:28",
			summary: "Commas between a block's arguments",
			detail:  "  metric \"a\" {\n    below = [1, 2]\n    above = { x = 1, y = 2 }\n    c     = max(1, \"é,\")\n  }",
		},
		{
			name:    "no space inside the braces",
			src:     "drift {method = \"psi\", threshold = 0.2}\n",
			at:      "1:22",
			summary: "Commas between a block's arguments",
			detail:  "  drift {\n    method    = \"psi\"\n    threshold = 0.2\n  }",
		},
		{
			name:    "an argument without a value keeps HCL's message",
			src:     "a { x = 1, y = }\n",
			at:      "1:10",
			summary: "Invalid single-argument block definition",
			detail:  "Single-line block syntax can include only one argument definition",
		},
		{
			name:    "a comma in a multi-line block keeps HCL's message",
			src:     "b {\n  a = 1,\n}\n",
			at:      "2:8",
			summary: "Unexpected comma after argument",
			detail:  "separated by newlines, not commas",
		},
		{name: "an object argument may hold commas", src: "x = { a = 1, b = \"2, 3\" }\n"},
		{name: "one argument on one line", src: "d { a = [1, 2] }\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse([]byte(tt.src), "x.mlf.hcl")
			if tt.at == "" {
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				return
			}
			if len(diags) == 0 {
				t.Fatalf("no diagnostic; want %q", tt.summary)
			}
			d := diags[0]
			if got := strings.TrimPrefix(RangeString(*d.Subject), "x.mlf.hcl:"); got != tt.at {
				t.Errorf("at %s; want %s", got, tt.at)
			}
			if d.Summary != tt.summary {
				t.Errorf("summary %q; want %q", d.Summary, tt.summary)
			}
			if !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("detail:\n%s\nwant it to hold:\n%s", d.Detail, tt.detail)
			}
		})
	}
}
