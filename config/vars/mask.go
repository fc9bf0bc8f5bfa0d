package vars

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maskUnparsed is maskSensitive for a variables file with errors of its
// own (a syntax error, too deep a nesting, a name set twice): there are no
// attributes, or not all of them, to say where each value is, yet the
// diagnostics quote its lines, and a secret typed with a missing quote or a
// stray word after it is still a secret. Which bytes belong to which
// variable is read from the tokens: a line that starts (outside any bracket
// or string) with `name =` shows the name; the value after it is masked
// when the variable is sensitive or not declared (a misspelt name), and so
// is every token that cannot be attributed to a name (a comment, broken
// text, everything after a string that is never closed). A JSON file shows
// only its top-level keys. Nothing is masked in a module without sensitive
// variables.
func (l *Set) maskUnparsed(f *hcl.File, display string) *hcl.File {
	if !l.anySensitive() {
		return f
	}
	c := *f
	if strings.HasSuffix(display, ".json") {
		c.Bytes = maskJSON(f.Bytes)
	} else {
		c.Bytes = l.maskHCL(f.Bytes)
	}
	return &c
}

func (l *Set) anySensitive() bool {
	for _, v := range l.Vars {
		if v.Sensitive {
			return true
		}
	}
	return false
}

func (l *Set) maskHCL(src []byte) []byte {
	out := append([]byte(nil), src...)
	toks, _ := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	depth, lineStart, hide := 0, true, true
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if lineStart && depth == 0 {
			if t.Type == hclsyntax.TokenNewline || t.Type == hclsyntax.TokenEOF {
				continue
			}
			lineStart = false
			hide = true
			if t.Type == hclsyntax.TokenIdent && i+1 < len(toks) && toks[i+1].Type == hclsyntax.TokenEqual {
				v, declared := l.Vars[string(t.Bytes)]
				hide = !declared || v.Sensitive
				i++ // the name and its '=' are shown
				continue
			}
		}
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenOQuote,
			hclsyntax.TokenOHeredoc, hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenCQuote,
			hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if depth > 0 {
				depth--
			}
		}
		if hide {
			maskBytes(out, t.Range.Start.Byte, t.Range.End.Byte)
		}
		endsLine := t.Type == hclsyntax.TokenNewline || (t.Type == hclsyntax.TokenComment && bytes.HasSuffix(t.Bytes, []byte("\n")))
		if depth == 0 && endsLine {
			lineStart = true
		}
	}
	return out
}

// maskJSON masks every string, number and word of a JSON document except
// the keys of the outermost object (the variables' names).
func maskJSON(src []byte) []byte {
	out := append([]byte(nil), src...)
	depth := 0
	for i := 0; i < len(out); {
		switch c := out[i]; {
		case c == '"':
			j := i + 1
			for j < len(out) && out[j] != '"' {
				if out[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(out))
			k := end
			for k < len(out) && isJSONSpace(out[k]) {
				k++
			}
			if depth != 1 || k >= len(out) || out[k] != ':' {
				maskBytes(out, i, end)
			}
			i = end
		case c == '{' || c == '[':
			depth++
			i++
		case c == '}' || c == ']':
			depth--
			i++
		case c == ':' || c == ',' || isJSONSpace(c):
			i++
		default:
			out[i] = '*'
			i++
		}
	}
	return out
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// maskBytes overwrites b[from:to] with '*', keeping line breaks so every
// position stays valid.
func maskBytes(b []byte, from, to int) {
	for i := max(from, 0); i < to && i < len(b); i++ {
		if b[i] != '\n' && b[i] != '\r' {
			b[i] = '*'
		}
	}
}

// hideLiteralDiags keeps what a diagnostic about a sensitive variable's
// value in a variables file says without quoting the value: HCL's
// "Variables not allowed" names what was written (`token = S3CR3T`, a
// secret missing its quotes, is a reference to S3CR3T).
func hideLiteralDiags(diags hcl.Diagnostics, name string) hcl.Diagnostics {
	out := make(hcl.Diagnostics, len(diags))
	for i, d := range diags {
		c := *d
		if c.Summary == "Variables not allowed" {
			c.Detail = fmt.Sprintf("A variables file must be a literal value (a string in quotes); var.%s is sensitive, so what was written is not shown.", name)
		} else {
			c.Detail = fmt.Sprintf("var.%s is sensitive, so the details of this problem are not shown: they could reveal it.", name)
		}
		c.Expression, c.EvalContext, c.Extra = nil, nil, nil
		out[i] = &c
	}
	return out
}
