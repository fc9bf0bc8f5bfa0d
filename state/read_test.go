package state

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadDocument(t *testing.T) {
	cases := []struct {
		name, in string
		max      int64
		want     string // the document read; "" when an error is wanted
		wantErr  string
	}{
		{name: "object", in: `{"a":1}`, max: 100, want: `{"a":1}`},
		{name: "leading white space", in: " \r\n\t{}", max: 100, want: `{}`},
		{name: "at the limit", in: `{"a":1}`, max: 7, want: `{"a":1}`},
		{name: "over the limit", in: `{"a":12}`, max: 7, wantErr: "doc is larger than 7 bytes: not a state document"},
		{name: "empty", in: "", max: 100, wantErr: "doc is empty: not a state document"},
		{name: "only white space", in: "  \n", max: 100, wantErr: "doc is empty: not a state document"},
		{name: "zeros", in: "\x00\x00", max: 100, wantErr: `doc does not start with a JSON object (its first byte is '\x00'): not a state document`},
		{name: "array", in: "[{}]", max: 100, wantErr: `doc does not start with a JSON object (its first byte is '['): not a state document`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadDocument(strings.NewReader(tc.in), "doc", tc.max)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr || !errors.Is(err, ErrNotDocument) {
					t.Fatalf("ReadDocument = %q, %v; want error %q", b, err, tc.wantErr)
				}
				return
			}
			if err != nil || string(b) != tc.want {
				t.Fatalf("ReadDocument = %q, %v; want %q", b, err, tc.want)
			}
		})
	}
}

// Input that is not JSON is refused after its first byte: piping
// /dev/zero or a large artifact into state push reads nothing more.
func TestReadDocumentStopsEarly(t *testing.T) {
	r := &countingReader{r: zeros{}}
	if _, err := ReadDocument(r, "stdin", 1<<30); !errors.Is(err, ErrNotDocument) {
		t.Fatalf("err = %v, want ErrNotDocument", err)
	}
	if r.n > 64<<10 {
		t.Fatalf("read %d bytes of an endless non-JSON input before refusing it", r.n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
