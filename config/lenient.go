package config

import (
	"bytes"
	"reflect"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// HCL's native syntax allows one argument in a single-line block. Users
// (and DESIGN.md) write `drift { method = "psi", threshold = 0.2 }` as they
// would an object; mlform accepts it. parseConfig replaces each such comma
// by a newline (same length, so byte offsets are unchanged), parses, and
// maps every position back to the original lines and columns, so
// diagnostics and snippets point at the file as written.

// singleLineCommas returns the offsets to turn into newlines so that a
// single-line block with comma-separated arguments becomes a multi-line
// one: each separating comma, and the space after the opening and before
// the closing brace. A block without those spaces is left alone (the
// parser then explains the problem).
func singleLineCommas(src []byte) []int {
	tokens, diags := hclsyntax.LexConfig(src, "", hcl.InitialPos)
	if diags.HasErrors() {
		return nil
	}
	type frame struct {
		body   bool // a block body (not an object, list, call or template)
		line   int  // line of the opening brace
		open   int  // offset of the opening brace
		commas []int
	}
	stack := []*frame{{body: true, line: -1}}
	lineStart := true // in a body, only labels seen since the last newline
	var out []int
	for _, t := range tokens {
		top := stack[len(stack)-1]
		switch t.Type {
		case hclsyntax.TokenOBrace:
			stack = append(stack, &frame{body: top.body && lineStart, line: t.Range.Start.Line, open: t.Range.Start.Byte})
			lineStart = true
			continue
		case hclsyntax.TokenOBrack, hclsyntax.TokenOParen, hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			stack = append(stack, &frame{})
		case hclsyntax.TokenCBrace:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			closeAt := t.Range.Start.Byte
			if len(top.commas) > 0 && t.Range.Start.Line == top.line && isBlank(src, top.open+1) && isBlank(src, closeAt-1) && top.open+1 < closeAt-1 {
				out = append(out, top.open+1)
				out = append(out, top.commas...)
				out = append(out, closeAt-1)
			}
		case hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenTemplateSeqEnd:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenComma:
			if top.body && top.line == t.Range.Start.Line {
				top.commas = append(top.commas, t.Range.Start.Byte)
			}
		}
		switch t.Type {
		case hclsyntax.TokenNewline, hclsyntax.TokenCBrace, hclsyntax.TokenComma:
			lineStart = true
		case hclsyntax.TokenIdent, hclsyntax.TokenOQuote, hclsyntax.TokenQuotedLit, hclsyntax.TokenCQuote, hclsyntax.TokenComment:
		default:
			lineStart = false
		}
	}
	sort.Ints(out)
	return out
}

// mayHaveSingleLineCommas is a cheap filter: lexing a file a second time
// is only worth it when some line holds "{", "," and "}".
func mayHaveSingleLineCommas(src []byte) bool {
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		open := bytes.IndexByte(line, '{')
		// A block opens with labels only: "{" after "=" is an object.
		if open >= 0 && bytes.IndexByte(line[:open], '=') < 0 &&
			bytes.IndexByte(line[open:], ',') >= 0 && bytes.IndexByte(line[open:], '}') >= 0 {
			return true
		}
	}
	return false
}

func isBlank(src []byte, i int) bool {
	return i >= 0 && i < len(src) && (src[i] == ' ' || src[i] == '\t')
}

// parseConfig parses a configuration file, accepting commas between the
// arguments of a single-line block.
func parseConfig(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	var commas []int
	if mayHaveSingleLineCommas(src) {
		commas = singleLineCommas(src)
	}
	if len(commas) == 0 {
		f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
		explainHeredoc(src, diags)
		return f, diags
	}
	fixed := append([]byte(nil), src...)
	for _, c := range commas {
		fixed[c] = '\n'
	}
	f, diags := hclsyntax.ParseConfig(fixed, filename, hcl.InitialPos)
	m := posMapper{src: src, commas: commas}
	if f != nil {
		f.Bytes = src
		m.walk(reflect.ValueOf(f.Body), map[uintptr]bool{})
	}
	for _, d := range diags {
		m.walk(reflect.ValueOf(d), map[uintptr]bool{})
	}
	explainHeredoc(src, diags)
	return f, diags
}

// posMapper rewrites hcl.Pos values parsed from the fixed source into
// positions in the original.
type posMapper struct {
	src    []byte
	commas []int // sorted offsets of the replaced commas
}

var posType = reflect.TypeOf(hcl.Pos{})

func (m posMapper) fix(p hcl.Pos) hcl.Pos {
	shift := 0
	last := -1
	for _, c := range m.commas {
		if c < p.Byte {
			shift++
			last = c
		}
	}
	if shift == 0 {
		return p
	}
	p.Line -= shift
	if last >= 0 && !containsNewline(m.src[last:min(p.Byte, len(m.src))]) {
		p.Column += m.column(last)
	}
	return p
}

func containsNewline(b []byte) bool {
	for _, c := range b {
		if c == '\n' {
			return true
		}
	}
	return false
}

// column is the 1-based column of offset in the original source, in the
// same units the parser uses for the replaced comma's own position.
func (m posMapper) column(offset int) int {
	col := 1
	for i := offset - 1; i >= 0 && m.src[i] != '\n'; i-- {
		if m.src[i]&0xC0 != 0x80 { // count runes
			col++
		}
	}
	return col
}

// walk visits every value reachable from v and fixes each hcl.Pos.
func (m posMapper) walk(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		m.walk(v.Elem(), seen)
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		inner := v.Elem()
		if inner.Kind() == reflect.Pointer {
			m.walk(inner, seen)
			return
		}
		if v.CanSet() {
			cp := reflect.New(inner.Type()).Elem()
			cp.Set(inner)
			m.walk(cp, seen)
			v.Set(cp)
		}
	case reflect.Struct:
		if v.Type() == posType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(m.fix(v.Interface().(hcl.Pos))))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				m.walk(f, seen)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			m.walk(v.Index(i), seen)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			el := v.MapIndex(k)
			if el.Kind() == reflect.Pointer || el.Kind() == reflect.Interface && el.Elem().Kind() == reflect.Pointer {
				m.walk(el, seen)
			}
		}
	}
}
