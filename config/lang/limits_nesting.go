package lang

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MaxNesting bounds how deeply expressions nest: brackets, parentheses,
// braces, quoted templates and interpolations, plus chains of unary
// operators and conditionals, which the HCL parser and evaluator also
// handle by recursion. Real configurations stay far below it; without it
// 100,000 nested "(" exhaust the stack, which Go cannot recover from.
const MaxNesting = 128

// MaxOperatorChain bounds how many binary operators, splats ([*], .*) and
// index brackets after an operand an expression chains, counted as
// nesting levels are: HCL parses `1 + 1 + ... + 1` into a tree as deep as
// the chain, evaluated by recursion, and parses each splat by recursion,
// so 500,000 of them exhaust the stack just as 100,000 "(" did. Real
// configurations stay far below it.
const MaxOperatorChain = 1024

// MaxTemplateParts bounds the literal parts in a row in one template (a
// quoted string or heredoc): each line of a heredoc and each escape ($${,
// %%{) is one. HCL joins them pairwise, in time quadratic in their number:
// a 40,000-line heredoc took 9 s to parse, a string of 80,000 escapes 6 s,
// so a hostile 16 MiB file could hold validate for hours. 4,096 parse in
// a few milliseconds; longer text belongs in a file read with file(). A
// template file (templatefile) is one template, a part per line: it may
// hold MaxTemplateFileParts (16,384 lines of 36 bytes parse in about 2 s).
const (
	MaxTemplateParts     = 4096
	MaxTemplateFileParts = 16384
)

// CheckNesting scans src's tokens (the lexer is not recursive) and reports
// the first place where expressions nest deeper than MaxNesting, before
// the recursive parser sees it.
func CheckNesting(src []byte, filename string) hcl.Diagnostics {
	tokens, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	return nestingDiags(tokens, MaxTemplateParts)
}

// CheckTokenNesting is CheckNesting for tokens already lexed (a piece of
// a file lexed on its own: config/syntax's pieces).
func CheckTokenNesting(tokens hclsyntax.Tokens) hcl.Diagnostics {
	return nestingDiags(tokens, MaxTemplateParts)
}

// CheckExprNesting is CheckNesting for a lone expression (-var values,
// templates).
func CheckExprNesting(src []byte, filename string) hcl.Diagnostics {
	tokens, _ := hclsyntax.LexExpression(src, filename, hcl.InitialPos)
	return nestingDiags(tokens, MaxTemplateParts)
}

// checkTemplateNesting is CheckNesting for a template file.
func checkTemplateNesting(src []byte, filename string) hcl.Diagnostics {
	tokens, _ := hclsyntax.LexTemplate(src, filename, hcl.InitialPos)
	return nestingDiags(tokens, MaxTemplateFileParts)
}

func nestingDiags(tokens hclsyntax.Tokens, maxParts int) hcl.Diagnostics {
	// Each open bracket is a level; ops counts the unary operators and
	// conditionals its current item has stacked up, chain its binary
	// operators, splats and index brackets. depth is the number of levels
	// plus every level's ops, chainDepth every level's chain. A template
	// directive (%{ if }, %{ for }) opens a level until its end directive.
	type level struct {
		newlineEnds bool // top level, braces: a newline ends an item
		directive   bool // an %{ if } or %{ for } body
		ops, chain  int
	}
	levels := []level{{newlineEnds: true}}
	depth, chainDepth := 0, 0
	endItem := func() {
		top := &levels[len(levels)-1]
		depth -= top.ops
		chainDepth -= top.chain
		top.ops, top.chain = 0, 0
	}
	pop := func() {
		endItem()
		levels = levels[:len(levels)-1]
		depth--
	}
	addChain := func(l *level) {
		l.chain++
		chainDepth++
	}
	// directive is +1 while reading the keyword of a %{ if }/%{ for }, -1
	// for %{ endif }/%{ endfor }, applied when the control sequence ends.
	directive, inControl := 0, false
	prev := hclsyntax.TokenNewline
	parts := 0 // literal parts in a row
	for _, t := range tokens {
		if t.Type == hclsyntax.TokenNumberLit && literalTooLong(t.Bytes) {
			rng := t.Range
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Number too large",
				Detail:   numberTooLongText + ".",
				Subject:  &rng,
			}}
		}
		if t.Type == hclsyntax.TokenQuotedLit || t.Type == hclsyntax.TokenStringLit {
			if prev != t.Type {
				parts = 0
			}
			if parts++; parts > maxParts {
				rng := t.Range
				return hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Template too long",
					Detail: fmt.Sprintf("A string, heredoc or template file may hold at most %d literal parts in a row (lines, escapes such as $${ and %%%%{); this one holds more here. Put long text in a file and read it with file().",
						maxParts),
					Subject: &rng,
				}}
			}
		}
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			if t.Type == hclsyntax.TokenOBrack && !unaryPosition(prev) {
				addChain(&levels[len(levels)-1]) // an index: x[i][j]...
			}
			if t.Type == hclsyntax.TokenTemplateControl {
				inControl, directive = true, 0
			}
			levels = append(levels, level{newlineEnds: t.Type == hclsyntax.TokenOBrace})
			depth++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			if len(levels) > 1 {
				pop()
			}
			if t.Type == hclsyntax.TokenTemplateSeqEnd && inControl {
				inControl = false
				switch {
				case directive > 0:
					levels = append(levels, level{directive: true})
					depth++
				case directive < 0 && len(levels) > 1 && levels[len(levels)-1].directive:
					pop()
				}
			}
		case hclsyntax.TokenComma:
			endItem()
		case hclsyntax.TokenNewline:
			if levels[len(levels)-1].newlineEnds {
				endItem()
			}
		case hclsyntax.TokenIdent:
			if inControl && prev == hclsyntax.TokenTemplateControl {
				switch string(t.Bytes) {
				case "if", "for":
					directive = 1
				case "endif", "endfor":
					directive = -1
				}
			}
		case hclsyntax.TokenBang, hclsyntax.TokenQuestion:
			levels[len(levels)-1].ops++
			depth++
		case hclsyntax.TokenMinus:
			if unaryPosition(prev) {
				levels[len(levels)-1].ops++
				depth++
			} else {
				addChain(&levels[len(levels)-1])
			}
		case hclsyntax.TokenStar:
			switch {
			case prev == hclsyntax.TokenOBrack && len(levels) > 1:
				addChain(&levels[len(levels)-2]) // [*]: a splat of the operand before it
			default:
				addChain(&levels[len(levels)-1]) // .* or a multiplication
			}
		case hclsyntax.TokenPlus, hclsyntax.TokenSlash, hclsyntax.TokenPercent,
			hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual,
			hclsyntax.TokenLessThan, hclsyntax.TokenLessThanEq,
			hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq,
			hclsyntax.TokenAnd, hclsyntax.TokenOr:
			addChain(&levels[len(levels)-1])
		}
		if t.Type != hclsyntax.TokenComment {
			prev = t.Type
		}
		if depth > MaxNesting || chainDepth > MaxOperatorChain {
			rng := t.Range
			detail := fmt.Sprintf("Expressions may nest at most %d levels deep (brackets, parentheses, braces, templates and template directives, unary operators and conditionals); this one goes deeper here. Split it into locals.",
				MaxNesting)
			if chainDepth > MaxOperatorChain {
				detail = fmt.Sprintf("An expression may chain at most %d binary operators, splats and indexes; this one chains more here. Split it into locals.",
					MaxOperatorChain)
			}
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Expression nested too deeply",
				Detail:   detail,
				Subject:  &rng,
			}}
		}
	}
	return nil
}

// unaryPosition reports whether a "-" after a token of type prev is a
// unary minus (it starts an operand) rather than a subtraction.
func unaryPosition(prev hclsyntax.TokenType) bool {
	switch prev {
	case hclsyntax.TokenIdent, hclsyntax.TokenNumberLit, hclsyntax.TokenCParen,
		hclsyntax.TokenCBrack, hclsyntax.TokenCBrace, hclsyntax.TokenCQuote,
		hclsyntax.TokenCHeredoc, hclsyntax.TokenStar:
		return false
	}
	return true
}

// CheckJSONNesting reports JSON (a *.mlfvars.json file, a jsondecode
// argument) whose arrays and objects nest deeper than MaxNesting; the
// decoders recurse per level.
func CheckJSONNesting(src []byte) error {
	if depth, at := JSONDepth(src, MaxNesting); depth > MaxNesting {
		return fmt.Errorf("JSON nested more than %d levels deep (at byte %d)", MaxNesting, at)
	}
	return nil
}

// ByteRange is the one-character range at byte offset at of src (the
// start of the file when at is outside it), with columns counted in
// characters as HCL counts them.
func ByteRange(src []byte, filename string, at int) hcl.Range {
	if at < 0 || at >= len(src) {
		return hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	}
	line := bytes.LastIndexByte(src[:at], '\n')
	start := hcl.Pos{Line: bytes.Count(src[:at], []byte("\n")) + 1, Column: utf8.RuneCount(src[line+1:at]) + 1, Byte: at}
	return hcl.Range{Filename: filename, Start: start, End: hcl.Pos{Line: start.Line, Column: start.Column + 1, Byte: at + 1}}
}

// JSONDepth is how deep the arrays and objects of src nest, counting only
// brackets outside strings. It stops at the first bracket deeper than
// limit and returns that depth and the bracket's byte offset (at is -1
// when the nesting stays within limit).
func JSONDepth(src []byte, limit int) (depth, at int) {
	cur, inString, escaped := 0, false, false
	for i, c := range src {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			cur++
			depth = max(depth, cur)
			if cur > limit {
				return cur, i
			}
		case c == ']' || c == '}':
			cur--
		}
	}
	return depth, -1
}

// EmptyFile is an empty body over src: what a file refused before parsing
// comes back as (so snippets still show its text).
func EmptyFile(src []byte, filename string) *hcl.File {
	rng := hcl.Range{Filename: filename, Start: hcl.InitialPos, End: hcl.InitialPos}
	return &hcl.File{Body: &hclsyntax.Body{SrcRange: rng, EndRange: rng}, Bytes: src}
}
