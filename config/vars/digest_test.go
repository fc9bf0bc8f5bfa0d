package vars

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestDigestHidesSensitiveValues: the digest input for a sensitive value
// is its hash, never the text; other values enter as they are.
func TestDigestHidesSensitiveValues(t *testing.T) {
	vars := map[string]*Variable{
		"s": {Name: "s", Sensitive: true, Value: cty.StringVal("hunter2")},
		"n": {Name: "n", Value: cty.StringVal("plain-value")},
		"u": {Name: "u"}, // no value: enters as unknown
	}
	var h strings.Builder
	digestTo(&h, nil, vars)
	if strings.Contains(h.String(), "hunter2") {
		t.Fatalf("digest input contains the sensitive value: %q", h.String())
	}
	for _, want := range []string{"var 1:s 9\nsensitive", "plain-value", "var 1:u 7\nunknown"} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("digest input %q lacks %q", h.String(), want)
		}
	}
	// Not even a hash of it: another secret gives the same digest, so a
	// digest in a plan file cannot confirm a guess.
	other := map[string]*Variable{"s": {Name: "s", Sensitive: true, Value: cty.StringVal("letmein")}, "n": vars["n"], "u": vars["u"]}
	if a, b := Digest(nil, vars), Digest(nil, other); a != b {
		t.Errorf("digest depends on a sensitive value: %s vs %s", a, b)
	}
}
