package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mlform/mlform/planner/plans"
)

// User-controlled text in the markdown plan (a data file's name, a
// trainer's error, a note) can make no link, image or HTML in the pull
// request comment, and cannot break out of its table cell or code span.
func TestMarkdownUserTextMakesNoMarkup(t *testing.T) {
	tests := []struct {
		name, text string
		bad        []string // what must not appear in the output
	}{
		{"image", "![x](https://evil.example/pixel.png)", []string{"![x](", "[x]("}},
		{"link", "[release notes](https://phish.example)", []string{"[release notes]("}},
		{"escaped bracket undone", `\[x\](https://evil.example/p.png)`, []string{`\\[x\\](`}},
		{"reference link", "[x]: https://evil.example", []string{"\n[x]:"}},
		{"html", `<img src="https://evil.example/p.png">`, []string{"<img"}},
		{"code span end", "a` ![x](y) `b", []string{"![x]("}},
		{"table cell", `a \| b`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &plans.Plan{
				Actions: []*plans.Action{{Addr: "model.m", Kind: plans.KindTrain,
					Reasons: []plans.Reason{{Code: "x", Message: "trainer said " + tt.text}},
					Train:   &plans.TrainChange{Model: "m", Version: 2}}},
				Notes: []*plans.Note{{Addr: "dataset.d", Message: "file " + tt.text}},
			}
			var b bytes.Buffer
			if err := Markdown(&b, p, Options{}); err != nil {
				t.Fatal(err)
			}
			// The full plan is a fenced code block, where nothing renders.
			out, _, _ := strings.Cut(b.String(), "<details>")
			for _, bad := range tt.bad {
				if strings.Contains(out, bad) {
					t.Errorf("output holds %q:\n%s", bad, out)
				}
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "| `") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") != 4 {
					t.Errorf("table row broken into other cells: %s", line)
				}
			}
		})
	}
}
