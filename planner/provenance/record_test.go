package provenance

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	record "github.com/mlform/mlform/internal/provenance"
	"github.com/mlform/mlform/planner/engine"
	"github.com/mlform/mlform/planner/internal/plannertest"
	"github.com/mlform/mlform/planner/policy"
	"github.com/mlform/mlform/state"
)

// TestRecord stores a record and a card, and checks what they say: lock
// files and capture output with the secret redacted, a failing capture
// with its exit code; a missing card fails the attempt.
func TestRecord(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"requirements.txt": "numpy==2.1 # s3cr3t\n", "CARD.md": "# churn\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ws := &engine.Workspace{BaseDir: dir, Now: time.Now(), Executors: plannertest.LocalExecutors(), StoreURLs: map[string]string{"default": "file://.store"}}
	t.Cleanup(func() { ws.Close() })
	ctx := context.Background()
	store, err := ws.Store(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	src := Source{Model: "churn", Card: "CARD.md", Secrets: []string{"s3cr3t"},
		Environment: policy.Environment{Name: "py", Executor: "local", Files: []string{"requirements.txt"}, Env: map[string]string{"WHO": "s3cr3t"}},
		Capture:     []string{"echo token $WHO", "exit 4"}}
	v := &state.Version{Version: 1}
	if err := Record(ctx, ws, src, store, v); err != nil {
		t.Fatal(err)
	}
	b, err := store.GetObject(ctx, v.EnvironmentID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := record.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Files) != 1 || rec.Files[0].Content != "numpy==2.1 # (sensitive value)\n" {
		t.Errorf("files = %+v", rec.Files)
	}
	if len(rec.Captures) != 2 || rec.Captures[0].Output != "token (sensitive value)\n" || rec.Captures[1].ExitCode != 4 {
		t.Errorf("captures = %+v", rec.Captures)
	}
	if card, err := store.GetObject(ctx, v.CardID); err != nil || string(card) != "# churn\n" {
		t.Errorf("card = %q, %v", card, err)
	}
	src.Card = "MISSING.md"
	if err := Record(ctx, ws, src, store, &state.Version{Version: 2}); err == nil || !strings.Contains(err.Error(), "model card") {
		t.Errorf("missing card: %v", err)
	}
}

func TestLimitedBuffer(t *testing.T) {
	for _, tc := range []struct {
		writes []string
		want   string
		cut    bool
	}{
		{[]string{"ab", "c"}, "abc", false},
		{[]string{"abc", "de"}, "abcd", true},
		{[]string{"abcdef"}, "abcd", true},
	} {
		var b bytes.Buffer
		w := &limitedBuffer{buf: &b, max: 4}
		for _, s := range tc.writes {
			if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", s, n, err)
			}
		}
		if b.String() != tc.want || w.cut != tc.cut {
			t.Errorf("%q: kept %q (cut %v), want %q (cut %v)", tc.writes, b.String(), w.cut, tc.want, tc.cut)
		}
	}
}

// TestCaptureCutKeepsNoPartSecret: a capture whose output passes the
// record's bound is cut; a secret that begins just before the cut must not
// be stored in part (redaction cannot recognise half a secret).
func TestCaptureCutKeepsNoPartSecret(t *testing.T) {
	dir := t.TempDir()
	ws := &engine.Workspace{BaseDir: dir, Now: time.Now(), Executors: plannertest.LocalExecutors(), StoreURLs: map[string]string{"default": "file://.store"}}
	t.Cleanup(func() { ws.Close() })
	const secret = "s3cr3t-t0ken-xyz"
	for _, pad := range []int{record.MaxText - 8, record.MaxText - len(secret) + 1, record.MaxText} {
		src := Source{Model: "churn", Secrets: []string{secret},
			Environment: policy.Environment{Name: "py", Executor: "local", Env: map[string]string{"WHO": secret}},
			Capture:     []string{fmt.Sprintf("head -c %d /dev/zero | tr '\\0' a; echo \"$WHO\"; echo more", pad)}}
		c := runCapture(context.Background(), ws, src, src.Capture[0])
		if !c.Truncated {
			t.Errorf("pad %d: not truncated", pad)
		}
		if len(c.Output) > record.MaxText {
			t.Errorf("pad %d: output of %d bytes, more than %d", pad, len(c.Output), record.MaxText)
		}
		for n := 3; n <= len(secret); n++ {
			if strings.HasSuffix(c.Output, secret[:n]) || strings.Contains(c.Output, secret) {
				t.Errorf("pad %d: the stored output ends with %q, the start of the secret", pad, secret[:n])
				break
			}
		}
	}
}
