package syntax

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/mlform/mlform/config/lang"
)

// Parse parses a configuration file as plain HCL native syntax. Two
// of HCL's syntax errors are made to say what to write instead: an
// unterminated heredoc, and commas between the arguments of a one-line
// block.
func Parse(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	explainHeredoc(src, diags)
	explainCommaBlock(src, diags)
	return f, diags
}

// The summary and the start of the detail of the "commas in a one-line
// block" hint (what tests and the fuzz target look for).
const (
	CommaBlockSummary = "Commas between a block's arguments"
	CommaBlockIntro   = "A one-line block holds one argument in HCL; write one argument a line:\n"
)

// explainCommaBlock rewrites HCL's error for `drift { method = "psi",
// threshold = 0.2 }` (a one-line block holds one argument in HCL; the
// parser stops at the comma) to show the block laid out one argument a
// line. The position stays HCL's: the comma.
func explainCommaBlock(src []byte, diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Summary != "Invalid single-argument block definition" || d.Subject == nil {
			continue
		}
		at := d.Subject.Start.Byte
		if at < 0 || at >= len(src) || src[at] != ',' {
			continue
		}
		header, items, ok := oneLineBlock(src, at)
		if !ok {
			continue
		}
		d.Summary = CommaBlockSummary
		d.Detail = CommaBlockIntro + layoutBlock(header, items)
	}
}

// oneLineBlock splits the one-line block holding the comma at offset comma
// into its header (type and labels) and its arguments (name, expression
// text). It reports false when the line is not such a block.
func oneLineBlock(src []byte, comma int) (string, [][2]string, bool) {
	start := bytes.LastIndexByte(src[:comma], '\n') + 1
	end := len(src)
	if i := bytes.IndexByte(src[comma:], '\n'); i >= 0 {
		end = comma + i
	}
	line := src[start:end]
	tokens, diags := hclsyntax.LexConfig(line, "", hcl.InitialPos)
	if diags.HasErrors() {
		return "", nil, false
	}
	// The block's opening brace is the first token after its header: a
	// type name and quoted labels.
	open := -1
	for i, t := range tokens {
		if t.Type == hclsyntax.TokenOBrace {
			open = i
			break
		}
		switch t.Type {
		case hclsyntax.TokenIdent, hclsyntax.TokenOQuote, hclsyntax.TokenQuotedLit, hclsyntax.TokenCQuote:
		default:
			return "", nil, false
		}
	}
	if open <= 0 {
		return "", nil, false
	}
	var items [][2]string
	depth, from := 0, tokens[open].Range.End.Byte
	for _, t := range tokens[open+1:] {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			depth++
			continue
		case hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenTemplateSeqEnd:
			depth--
			continue
		case hclsyntax.TokenCBrace:
			if depth > 0 {
				depth--
				continue
			}
		case hclsyntax.TokenComma:
			if depth > 0 {
				continue
			}
		default:
			continue
		}
		// A comma or the closing brace at the block's own level.
		name, expr, found := strings.Cut(string(line[from:t.Range.Start.Byte]), "=")
		name, expr = strings.TrimSpace(name), strings.TrimSpace(expr)
		if !found || !hclsyntax.ValidIdentifier(name) || expr == "" {
			return "", nil, false
		}
		if _, d := hclsyntax.ParseExpression([]byte(expr), "", hcl.InitialPos); d.HasErrors() || slices.ContainsFunc(items, func(it [2]string) bool { return it[0] == name }) {
			return "", nil, false // show only a layout that parses
		}
		items = append(items, [2]string{name, expr})
		if t.Type == hclsyntax.TokenCBrace {
			header := strings.TrimSpace(string(line[tokens[0].Range.Start.Byte:tokens[open].Range.Start.Byte]))
			return header, items, true
		}
		from = t.Range.End.Byte
	}
	return "", nil, false
}

// layoutBlock writes a block as `mlform fmt` lays it out, indented by two
// spaces to stand out in a diagnostic: on one line when it has one
// argument, else one argument a line.
func layoutBlock(header string, items [][2]string) string {
	var b strings.Builder
	if len(items) == 1 && !strings.Contains(items[0][1], "\n") {
		fmt.Fprintf(&b, "%s { %s = %s }\n", header, items[0][0], items[0][1])
	} else {
		fmt.Fprintf(&b, "%s {\n", header)
		for _, it := range items {
			fmt.Fprintf(&b, "%s = %s\n", it[0], it[1])
		}
		b.WriteString("}\n")
	}
	out := strings.TrimRight(string(hclwrite.Format([]byte(b.String()))), "\n")
	return "  " + strings.ReplaceAll(out, "\n", "\n  ")
}

// ParseFile parses one configuration file the way config.Load does: a
// file that nests deeper than lang.MaxNesting is not parsed at all and
// comes back as an empty body (so snippets still show its text); any other
// is parsed as plain HCL, with mlform's hints on two syntax errors
// (Parse). A large file is parsed a piece at a time (parsePieces) when
// that gives the same result.
func ParseFile(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if diags := lang.CheckText(src, filename); diags.HasErrors() {
		return lang.EmptyFile(src, filename), diags
	}
	if len(src) >= PiecesFrom {
		f, nesting, ok := parsePieces(src, filename)
		if ok {
			return f, nil
		}
		if nesting.HasErrors() {
			return lang.EmptyFile(src, filename), nesting
		}
	}
	return parseWhole(src, filename)
}

// parseWhole is ParseFile on the whole file at once.
func parseWhole(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if diags := lang.CheckNesting(src, filename); diags.HasErrors() {
		return lang.EmptyFile(src, filename), diags
	}
	return Parse(src, filename)
}
