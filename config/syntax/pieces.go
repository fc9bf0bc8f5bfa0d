package syntax

import (
	"bytes"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mlform/mlform/config/lang"
)

// PiecesFrom is the size from which ParseFile parses a file a piece at a
// time (parsePieces). HCL lexes a whole file into one slice of 96-byte
// tokens before parsing it, and the nesting check lexed it once more: for
// a 1,000-model workspace (470 KB, 140,000 tokens) those two slices, grown
// by copying, were most of the time and memory of loading it.
const PiecesFrom = 64 << 10

// parsePieces parses src as ParseFile does, in pieces: runs of top-level
// blocks, each cut just after a closing brace at the start of a line and
// parsed on its own at its place in the file, and joins the pieces'
// bodies into the file's. ok is false when the result might differ from
// parsing src whole, and the caller does that instead: src smaller than
// two pieces, a piece with any diagnostic (a cut inside a block, string,
// heredoc or comment never parses cleanly; errors are reported as parsing
// the whole file reports them), an argument set in two pieces.
//
// One failure needs no second look: a piece that nests too deeply when
// every piece before it parsed cleanly. Those pieces end at the top level
// (a piece ending inside a string, heredoc or comment does not parse
// cleanly), so the lexer and the nesting check are in the same state at
// its start as they would be in the whole file, and the whole file's
// check would report the same first error (nesting is then that error).
// Lexing a hostile file of a few megabytes a second time took seconds and
// gigabytes.
//
// The nesting check needs no second lexing for most pieces: every token
// that opens a nesting level (lang.MaxNesting) starts with one of the
// bytes nestByte marks, so a piece holding at most lang.MaxNesting of them
// cannot nest deeper, however its bytes lex. A piece holding more (a
// single long block) is lexed and checked as CheckNesting checks a file.
func parsePieces(src []byte, filename string) (f *hcl.File, nesting hcl.Diagnostics, ok bool) {
	// Cut first (a cheap scan), then parse the pieces side by side.
	var starts []hcl.Pos
	for pos := hcl.InitialPos; pos.Byte < len(src); {
		if pos.Byte > 0 && bytes.HasPrefix(src[pos.Byte:], utf8BOM) {
			return nil, nil, false // only the file's first byte may start a BOM the lexer skips
		}
		starts = append(starts, pos)
		end := pieceEnd(src, pos.Byte)
		// The piece ends with a newline: the next starts a line. Every
		// newline of a file is in one of its tokens and counts one line.
		pos = hcl.Pos{Line: pos.Line + bytes.Count(src[pos.Byte:end], []byte{'\n'}), Column: 1, Byte: end}
	}
	if len(starts) < 2 {
		return nil, nil, false // one piece: nothing to gain
	}
	pieces := make([]*hclsyntax.Body, len(starts))
	nested := make([]hcl.Diagnostics, len(starts))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(starts)) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(starts) {
					return
				}
				end := len(src)
				if i+1 < len(starts) {
					end = starts[i+1].Byte
				}
				body, nest, ok := parsePiece(src[starts[i].Byte:end], filename, starts[i])
				if !ok {
					nested[i] = nest
					failed.Store(true)
					return
				}
				pieces[i] = body
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		// Pieces are taken in order, and each taken is finished: every
		// piece before the first failed one parsed.
		for i, body := range pieces {
			if body == nil {
				return nil, nested[i], false
			}
		}
	}
	if len(pieces[0].Blocks)+len(pieces[0].Attributes) == 0 {
		// The first piece must hold an item: the file's body starts at its
		// first token.
		return nil, nil, false
	}
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, Blocks: hclsyntax.Blocks{}}
	for _, piece := range pieces {
		for name, a := range piece.Attributes {
			if _, dup := body.Attributes[name]; dup {
				return nil, nil, false // "Attribute redefined": parse whole
			}
			body.Attributes[name] = a
		}
		body.Blocks = append(body.Blocks, piece.Blocks...)
	}
	body.SrcRange = hcl.RangeBetween(pieces[0].SrcRange, pieces[len(pieces)-1].SrcRange)
	body.EndRange = pieces[len(pieces)-1].EndRange
	return &hcl.File{Body: body, Bytes: src, Nav: navigation{body}}, nil, true
}

// nestByte marks the first bytes of the tokens that open a nesting level
// in lang's nesting check: brackets, braces and parentheses, quotes,
// heredocs (<<), template interpolations and directives (${, %{), and the
// unary operators and conditionals (!, -, ?); a template directive
// (%{ if }) opens a level too.
var nestByte = [256]bool{'{': true, '[': true, '(': true, '"': true, '<': true, '$': true, '%': true, '!': true, '-': true, '?': true}

// chainByte marks the first bytes of the tokens lang's nesting check counts
// toward lang.MaxOperatorChain: binary operators, splats ([*], .*) and
// index brackets. A piece holding at most lang.MaxOperatorChain of them
// cannot chain more.
var chainByte = [256]bool{'+': true, '-': true, '*': true, '/': true, '%': true, '=': true, '!': true, '<': true, '>': true, '&': true, '|': true, '[': true}

// blockEnd is a top-level block's closing brace as `mlform fmt` and
// generators lay it out: alone at the start of a line.
var blockEnd = []byte("\n}\n")

// pieceNesting is how many nesting bytes a piece gathers before it is cut,
// and above which parsePiece lexes it to check its nesting: lang.MaxNesting
// (see parsePieces). Tests lower it, never above lang.MaxNesting, to cut
// files of a few lines into pieces; a piece under the limit needs no check
// whatever the value.
var pieceNesting = lang.MaxNesting

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// pieceEnd is where the piece starting at from ends: after as many
// top-level blocks (up to a blockEnd) as hold at most lang.MaxNesting
// nesting bytes together, at least one; or at the end of src.
func pieceEnd(src []byte, from int) int {
	end, nest := from, 0
	for end < len(src) {
		i := bytes.Index(src[end:], blockEnd)
		next := len(src)
		if i >= 0 {
			next = end + i + len(blockEnd)
		}
		for _, c := range src[end:next] {
			if nestByte[c] {
				nest++
			}
		}
		if nest > pieceNesting && end > from {
			return end
		}
		end = next
	}
	return end
}

// parsePiece parses one piece starting at start (a line start) on its
// own. ok is false unless it parses without any diagnostic; nesting holds
// the nesting check's error when that is why.
func parsePiece(piece []byte, filename string, start hcl.Pos) (body *hclsyntax.Body, nesting hcl.Diagnostics, ok bool) {
	nest, chain, lines := 0, 0, 0
	for _, c := range piece {
		if nestByte[c] {
			nest++
		}
		if chainByte[c] {
			chain++
		}
		if c == '\n' {
			lines++
		}
	}
	if nest > pieceNesting || chain > lang.MaxOperatorChain || lines > lang.MaxTemplateParts {
		tokens, _ := hclsyntax.LexConfig(piece, filename, start)
		if diags := lang.CheckTokenNesting(tokens); diags.HasErrors() {
			return nil, diags, false
		}
	}
	f, diags := hclsyntax.ParseConfig(piece, filename, start)
	if len(diags) > 0 {
		return nil, nil, false
	}
	body, ok = f.Body.(*hclsyntax.Body)
	return body, nil, ok
}

// navigation is hclsyntax's navigation of a parsed file (which a joined
// body cannot use: its type is unexported), for the validate -json
// document's context: the header of the top-level block holding an
// offset.
type navigation struct{ root *hclsyntax.Body }

// ContextString is hclsyntax's: the type and quoted labels of the
// top-level block holding offset, or "".
func (n navigation) ContextString(offset int) string {
	b := n.block(offset)
	if b == nil {
		return ""
	}
	var buf bytes.Buffer
	buf.WriteString(b.Type)
	for _, label := range b.Labels {
		fmt.Fprintf(&buf, " %q", label)
	}
	return buf.String()
}

// ContextDefRange is hclsyntax's: the definition range of the top-level
// block holding offset.
func (n navigation) ContextDefRange(offset int) hcl.Range {
	if b := n.block(offset); b != nil {
		return b.DefRange()
	}
	return hcl.Range{}
}

func (n navigation) block(offset int) *hclsyntax.Block {
	for _, b := range n.root.Blocks {
		if b.Range().ContainsOffset(offset) {
			return b
		}
	}
	return nil
}
