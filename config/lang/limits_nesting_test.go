package lang

import (
	"strings"
	"testing"
)

// TestTemplateFileParts: a template file is one template with a literal
// part per line; it may hold MaxTemplateFileParts of them, more than a
// string or heredoc in a configuration file may (MaxTemplateParts).
func TestTemplateFileParts(t *testing.T) {
	for _, tt := range []struct {
		lines   int
		refused bool
	}{
		{MaxTemplateParts + 1, false},
		{MaxTemplateFileParts, false},
		{MaxTemplateFileParts + 1, true},
	} {
		src := []byte(strings.Repeat("line\n", tt.lines))
		diags := checkTemplateNesting(src, "t.tpl")
		if got := diags.HasErrors(); got != tt.refused || (got && !strings.Contains(diags.Error(), "Template too long")) {
			t.Errorf("a template file of %d lines: %v; want refused = %v", tt.lines, diags, tt.refused)
		}
	}
}
