package statemgr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlform/mlform/state"
)

// failingFile is an *os.File whose Write stores half of what it is given
// and fails (a disk filling up), or whose Sync or Truncate fails.
type failingFile struct {
	*os.File
	failWrite, failSync, failTruncate bool
}

func (f *failingFile) Write(p []byte) (int, error) {
	if f.failWrite {
		n, _ := f.File.Write(p[:len(p)/2])
		return n, errInjected
	}
	return f.File.Write(p)
}

func (f *failingFile) Sync() error {
	if f.failSync {
		return errInjected
	}
	return f.File.Sync()
}

func (f *failingFile) Truncate(size int64) error {
	if f.failTruncate {
		return errInjected
	}
	return f.File.Truncate(size)
}

// TestAppendUndoable: an append that fails part way is cut back off the
// journal, and the token then describes the journal as it was; when even
// that fails the token is empty (the writer must not append again).
func TestAppendUndoable(t *testing.T) {
	const before = "header\nline 1\n"
	tests := []struct {
		name                              string
		failWrite, failSync, failTruncate bool
		wantErr, wantToken                bool
		want                              string
	}{
		{"appended", false, false, false, false, true, before + "line 2\n"},
		{"write fails", true, false, false, true, true, before},
		{"sync fails", false, true, false, true, false, before},
		{"write and undo fail", true, false, true, true, false, before + "lin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ObjectJournal)
			if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ff := &failingFile{File: f, failWrite: tt.failWrite, failSync: tt.failSync, failTruncate: tt.failTruncate}
			token, err := appendUndoable(ff, int64(len(before)), []byte("line 2\n"))
			if (err != nil) != tt.wantErr || (token != "") != tt.wantToken {
				t.Fatalf("appendUndoable = %q, %v; want error %v, token %v", token, err, tt.wantErr, tt.wantToken)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && string(got) != tt.want {
				t.Errorf("journal %q, want %q", got, tt.want)
			}
			if token != "" {
				fi, err := os.Lstat(path)
				if err != nil || fileToken(fi) != token {
					t.Errorf("token %q, the journal's is %q (%v)", token, fileToken(fi), err)
				}
			}
		})
	}
}

// faultAppender is a faultBackend that appends (as local disk does); an
// append it is told to fail stores half the line and, when undo is set,
// takes it back off as appendSync does.
// Like a file's modification time, its tokens change with every append,
// an undone one included.
type faultAppender struct {
	*faultBackend
	failAppend, undo bool
	appends          map[string]int
}

func (f *faultAppender) stat(ctx context.Context, name string) (string, error) {
	tok, err := f.faultBackend.stat(ctx, name)
	return fmt.Sprint(tok, " ", f.appends[name]), err
}

func (f *faultAppender) appendSync(ctx context.Context, name string, data []byte) (string, error) {
	old, ok := f.objects[name]
	if !ok {
		return "", errNotExist
	}
	f.appends[name]++
	if !f.failAppend {
		f.objects[name] = append(bytes.Clone(old), data...)
		return f.stat(ctx, name)
	}
	f.objects[name] = append(bytes.Clone(old), data[:len(data)/2]...)
	if !f.undo {
		return "", errInjected
	}
	f.objects[name] = old
	tok, _ := f.stat(ctx, name)
	return tok, errInjected
}

// TestJournalAppendFails: a journal append that fails (a full disk) and
// is undone lets the run go on recording once the fault is gone, nothing
// lost; one that could not be undone stops the run's writes with an error
// that says so, not one blaming another mlform.
func TestJournalAppendFails(t *testing.T) {
	ctx := context.Background()
	for _, undo := range []bool{true, false} {
		fb := &faultAppender{faultBackend: &faultBackend{objects: map[string][]byte{}}, undo: undo, appends: map[string]int{}}
		m := &Manager{b: fb}
		s, err := m.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		jw := m.JournalWriter()
		for _, name := range []string{"a", "b"} { // whole, then journaled
			s.Datasets[name] = &state.Dataset{Name: name}
			if err := jw.Write(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		fb.failAppend = true
		s.Datasets["c"] = &state.Dataset{Name: "c"}
		if err := jw.Write(ctx, s); !errors.Is(err, errInjected) {
			t.Fatalf("undo %v: append with a full disk: %v", undo, err)
		}
		fb.failAppend = false
		s.Datasets["d"] = &state.Dataset{Name: "d"}
		err = jw.Write(ctx, s)
		if undo {
			if err != nil {
				t.Fatalf("write after an undone append: %v", err)
			}
			got, err := m.Read(ctx)
			if err != nil || got.Datasets["c"] == nil || got.Datasets["d"] == nil {
				t.Fatalf("after the fault: %v, datasets %v; want c and d recorded", err, got.Datasets)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "earlier journal write failed") || strings.Contains(err.Error(), "another mlform") {
			t.Fatalf("write after an append that left part of a line: %v", err)
		}
		got, err := m.Read(ctx)
		if err != nil || got.Datasets["b"] == nil || got.Datasets["c"] != nil {
			t.Fatalf("state after the failed append: %v, datasets %v; want b, and the cut line ignored", err, got.Datasets)
		}
	}
}
