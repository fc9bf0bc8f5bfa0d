package syntax

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
)

// heredocOpen finds heredoc openers (<<EOT or <<-EOT at the end of a line).
var heredocOpen = regexp.MustCompile(`<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n`)

// explainHeredoc rewrites HCL's "No closing marker was found for the
// string." for an unterminated heredoc, which points at the end of the file,
// to name the heredoc's opening line and the marker the user must write.
func explainHeredoc(src []byte, diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Summary != "Unterminated template string" || d.Subject == nil || d.Subject.End.Byte < len(bytes.TrimRight(src, " \t\r\n")) {
			continue
		}
		if line, marker, ok := unclosedHeredoc(src); ok {
			d.Detail = fmt.Sprintf("The heredoc opened on line %d with <<%s has no closing line; end it with a line holding only %s.", line, marker, marker)
		}
	}
}

// unclosedHeredoc returns the line and marker of the first heredoc whose
// marker never appears alone on a later line.
func unclosedHeredoc(src []byte) (int, string, bool) {
	for _, m := range heredocOpen.FindAllSubmatchIndex(src, -1) {
		marker := src[m[2]:m[3]]
		closed := false
		for _, l := range bytes.Split(src[m[1]:], []byte("\n")) {
			if bytes.Equal(bytes.TrimSpace(l), marker) {
				closed = true
				break
			}
		}
		if !closed {
			return bytes.Count(src[:m[0]], []byte("\n")) + 1, string(marker), true
		}
	}
	return 0, "", false
}
