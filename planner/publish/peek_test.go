package publish

import (
	"strings"
	"testing"
)

func TestLooksLikeState(t *testing.T) {
	big := `"datasets": {"d": "` + strings.Repeat("x", 100<<10) + `"}`
	cases := []struct {
		name, doc string
		want      bool
	}{
		{"state", `{"format_version": 7, "lineage": "33cf", "serial": 1}`, true},
		{"keys in another order", `{"serial": 1, "lineage": "33cf", "models": {}, "format_version": 3}`, true},
		{"start of a large state", (`{"format_version": 7, "lineage": "33cf", ` + big + `}`)[:maxPeek], true},
		{"keys after a value larger than what is read", (`{` + big + `, "format_version": 7, "lineage": "33cf"}`)[:maxPeek], false},
		{"no lineage", `{"format_version": 7}`, false},
		{"empty lineage", `{"format_version": 7, "lineage": ""}`, false},
		{"version not a number", `{"format_version": "7", "lineage": "33cf"}`, false},
		{"nested keys only", `{"x": {"format_version": 7, "lineage": "33cf"}}`, false},
		{"array", `[{"format_version": 7, "lineage": "33cf"}]`, false},
		{"not JSON", "PK\x03\x04", false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := looksLikeState([]byte(tc.doc)); got != tc.want {
				t.Fatalf("looksLikeState = %v, want %v", got, tc.want)
			}
		})
	}
}
