package state

import "testing"

func TestJSONTextAsWritten(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{[]string{"./train", "--min=a>b", "x&y"}, `["./train","--min=a>b","x&y"]`},
		{map[string]any{"lr": 0.05, "tag": "<v2>"}, `{"lr":0.05,"tag":"<v2>"}`},
		{nil, "null"},
	}
	for _, tt := range tests {
		if got := jsonText(tt.in); got != tt.want {
			t.Errorf("jsonText(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
