package redact

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/mlform/mlform/config/vars"
)

func TestWriter(t *testing.T) {
	secrets := []string{"s3cr3t-longer", "s3cr3t", "0.777"}
	long := strings.Repeat("x", MaxPending)
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"nothing to hide", []string{"hello\n", "world"}, "hello\nworld"},
		{"whole line", []string{"token=s3cr3t\n"}, "token=(sensitive value)\n"},
		{"split across writes", []string{"token=s3c", "r3t and 0.7", "77\n"}, "token=(sensitive value) and (sensitive value)\n"},
		{"longest first", []string{"s3cr3t-longer s3cr3t\n"}, "(sensitive value) (sensitive value)\n"},
		{"no final newline", []string{"a s3cr3t"}, "a (sensitive value)"},
		{"secret at the cut of a long line", []string{long[:len(long)-3], "s3cr3t", "tail\n"}, long[:len(long)-3] + "(sensitive value)tail\n"},
		{"secret past a long line", []string{long, long, "s3cr3t\n"}, long + long + "(sensitive value)\n"},
		// A long line is cut while "s3cr3t-longer" is only half written:
		// its prefix "s3cr3t" (a secret too) must not be replaced on its
		// own, or the rest of the longer one goes out as written.
		{"longer secret at the cut of a long line", []string{long[:len(long)-2], "s3cr3t-lo", "nger end\n"}, long[:len(long)-2] + "(sensitive value) end\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := NewWriter(&b, secrets)
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if err := w.(io.Closer).Close(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got %.80q... (%d bytes), want %.80q... (%d bytes)", b.String(), b.Len(), tt.want, len(tt.want))
			}
		})
	}
}

func TestWriterBoundsMemory(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b, []string{"s3cr3t"}).(*writer)
	chunk := []byte(strings.Repeat("y", 4096))
	for range 1000 {
		w.Write(chunk)
		if len(w.buf) > MaxPending+len(chunk) {
			t.Fatalf("holds %d bytes of a line without end", len(w.buf))
		}
	}
}

func TestWriterNoSecrets(t *testing.T) {
	var b bytes.Buffer
	if w := NewWriter(&b, nil); w != &b {
		t.Errorf("with no secrets the writer should be passed through")
	}
}

// checkRedacted writes text in two writes, cut at cut, through a writer
// holding at most limit bytes of a line, and fails if secret is in the
// output. The secret is letters and digits, so an occurrence in the output
// lies wholly inside a placeholder (whose ends are not letters or digits)
// or wholly outside every one: only the latter is a leak (a secret such as
// "val" is a part of the placeholder's own text).
func checkRedacted(t *testing.T, text, secret string, cut, limit int) {
	t.Helper()
	var b bytes.Buffer
	w := newWriter(&b, []string{secret}, limit).(*writer)
	if cut < 0 || cut > len(text) {
		cut = len(text) / 2
	}
	w.Write([]byte(text[:cut]))
	w.Write([]byte(text[cut:]))
	w.Close()
	for _, part := range strings.Split(b.String(), vars.SensitivePlaceholder) {
		if strings.Contains(part, secret) {
			t.Fatalf("holding %d bytes: secret %q in output %q", limit, secret, b.String())
		}
	}
}

// FuzzWriter: however a trainer's output is cut into writes, no secret
// (plain letters and digits) gets through, with lines held as mlform holds
// them and with lines cut after a few bytes, so short inputs reach the
// cutting of long lines (TestWriterLongLine checks a line longer than
// MaxPending).
func FuzzWriter(f *testing.F) {
	f.Add("token=s3cr3t\nmore", "s3cr3t", 3)
	f.Add(strings.Repeat("a", 20)+"s3cr3t", "s3cr3t", 16)
	f.Fuzz(func(t *testing.T, text, secret string, cut int) {
		if len(secret) < MinLen || strings.ContainsFunc(secret, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}) {
			return
		}
		checkRedacted(t, text, secret, cut, MaxPending)
		checkRedacted(t, text, secret, cut, 8)
	})
}

// TestWriterLongLine is FuzzWriter's check of a line longer than
// MaxPending, cut into writes around the bound.
func TestWriterLongLine(t *testing.T) {
	for _, cut := range []int{3, MaxPending - 3, MaxPending, MaxPending + 1, 69998} {
		checkRedacted(t, strings.Repeat("a", 70000)+"s3cr3t", "s3cr3t", cut, MaxPending)
		checkRedacted(t, strings.Repeat("a", MaxPending-2)+"s3cr3t\n"+strings.Repeat("b", MaxPending)+"s3cr3t", "s3cr3t", cut, MaxPending)
	}
}

// TestWriterSecretLongerThanBound: a secret longer than MaxPending (one
// line of a large sensitive value) in a line without end longer than
// MaxPending is held back, not cut (a negative cut panicked), and still
// hidden.
func TestWriterSecretLongerThanBound(t *testing.T) {
	secret := strings.Repeat("k", MaxPending+100)
	for _, text := range []string{
		strings.Repeat("x", MaxPending+1),
		strings.Repeat("x", MaxPending+1) + secret + "tail",
		secret[:MaxPending+50] + "\n" + secret + "\n",
	} {
		for _, cut := range []int{1, MaxPending, MaxPending + 1, MaxPending + 60} {
			checkRedacted(t, text, secret, cut, MaxPending)
		}
	}
	var b bytes.Buffer
	w := NewWriter(&b, []string{secret})
	w.Write([]byte("a" + secret + "b"))
	w.(io.Closer).Close()
	if b.String() != "a"+vars.SensitivePlaceholder+"b" {
		t.Fatalf("got %.80q (%d bytes)", b.String(), b.Len())
	}
}

// BenchmarkWriter: trainer output (80-byte lines, 4 KiB writes) through
// the redactor with three secrets.
func BenchmarkWriter(b *testing.B) {
	line := strings.Repeat("epoch 10/30 loss 0.4538 acc 0.7860 ", 3)[:79] + "\n"
	chunk := []byte(strings.Repeat(line, 4096/len(line)))
	w := NewWriter(io.Discard, []string{"s3cr3t-token-value", "0.777", "hunter2"})
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		w.Write(chunk)
	}
}
