package doctest

import (
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/internal/wanttext"
)

func TestParse(t *testing.T) {
	md := "# T\n\n```python file=trainer/train.py\nprint(1)\n```\n\nRun:\n\n```sh\nmlform init\n```\n\n```text expect\nok\n...\n```\n\n" +
		"```hcl\nillustration\n```\n\n  ```sh\n  indented\n  ```\n\n````md\n```sh\nnested\n```\n````\n\nInline ```not a fence```.\n"
	blocks, err := Parse([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []Block{
		{Line: 3, Lang: "python", Kind: KindFile, File: "trainer/train.py", Body: "print(1)\n"},
		{Line: 9, Lang: "sh", Kind: KindShell, Body: "mlform init\n"},
		{Line: 13, Lang: "text", Kind: KindExpect, Body: "ok\n...\n"},
		{Line: 18, Lang: "hcl", Kind: KindOther, Body: "illustration\n"},
		{Line: 22, Lang: "sh", Kind: KindShell, Body: "indented\n"},
		{Line: 26, Lang: "md", Kind: KindOther, Body: "```sh\nnested\n```\n"},
	}
	if len(blocks) != len(want) {
		t.Fatalf("got %d blocks: %+v", len(blocks), blocks)
	}
	for i := range want {
		if blocks[i] != want[i] {
			t.Errorf("block %d:\n got %+v\nwant %+v", i, blocks[i], want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, md, want string }{
		{"unclosed", "text\n```sh\nls\n", "line 2: code block is never closed"},
		{"escaping file", "```sh file=../x\n```\n", `file="../x" is not a clean relative path`},
		{"absolute file", "```sh file=/etc/x\n```\n", "not a clean relative path"},
		{"unclean file", "```sh file=a/./b\n```\n", "not a clean relative path"},
		{"expect first", "```\nplain\n```\n```text expect\nx\n```\n", "line 4: expect block with no shell block before it"},
		{"expect first again", "```text expect\nx\n```\n", "line 1: expect block with no shell block before it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.md))
			wanterr.Check(t, err, tt.want)
		})
	}
}

func TestScript(t *testing.T) {
	blocks := []Block{
		{Line: 3, Kind: KindFile, File: "data/it's.csv", Body: "a\n"},
		{Line: 7, Kind: KindShell, Body: "mlform plan\n"},
		{Line: 11, Kind: KindExpect, Body: "Plan: 1 snapshot (x).\n...\n\n"},
		{Line: 15, Kind: KindOther, Body: "ignored\n"},
	}
	out, err := Script("tutorial.md", blocks)
	if err != nil {
		t.Fatal(err)
	}
	// The illustration and the expect block's ellipsis are left out.
	wanttext.Check(t, string(out), []string{
		"mkdir 'data'\ncp .doctest/000 'data/it''s.csv'\n",
		"exec sh -c 'sh -eu .doctest/001 2>&1'\n",
		"stdout 'Plan: 1 snapshot \\(x\\)\\.'\n",
		"-- .doctest/000 --\na\n-- .doctest/001 --\nmlform plan\n",
	}, []string{"ignored", "stdout '\\.\\.\\.'"})
}

func TestScriptRefusesMarkers(t *testing.T) {
	_, err := Script("t.md", []Block{{Line: 4, Kind: KindShell, Body: "echo\n-- x --\n"}})
	if err == nil || !strings.Contains(err.Error(), "t.md:4:") {
		t.Errorf("err = %v", err)
	}
}

// FuzzParse: any document parses or fails with an error; a file block's
// path is always clean and relative, and Script never panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte("```sh\nls\n```\n```text expect\nx\n```\n"))
	f.Add([]byte("```\n```\n~~~~ py file=a/b\n~~~~\n"))
	f.Add([]byte("   ````md\n```\n````\n"))
	f.Fuzz(func(t *testing.T, md []byte) {
		blocks, err := Parse(md)
		if err != nil {
			return
		}
		for _, b := range blocks {
			if b.Kind == KindFile && (b.File == "" || !filepath.IsLocal(b.File) || path.Clean(b.File) != b.File) {
				t.Fatalf("unsafe file path %q accepted", b.File)
			}
		}
		_, _ = Script("t.md", blocks)
	})
}
