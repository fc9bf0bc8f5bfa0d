package state

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrNotDocument is returned by ReadDocument for input that cannot be a
// state document.
var ErrNotDocument = errors.New("not a state document")

// ReadDocument reads a state document from r (a file or standard input
// given to state push), at most max bytes. A state document is a JSON
// object, so input whose first byte after white space is anything but
// '{' is refused after that byte, not after max bytes: a model artifact
// or /dev/zero piped in by mistake costs nothing to refuse, where reading
// it to the limit first held up to three times max in memory.
func ReadDocument(r io.Reader, name string, max int64) ([]byte, error) {
	br := bufio.NewReader(r)
	c, err := firstNonSpace(br)
	if err == io.EOF {
		return nil, fmt.Errorf("%s is empty: %w", name, ErrNotDocument)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if c != '{' {
		return nil, fmt.Errorf("%s does not start with a JSON object (its first byte is %q): %w", name, c, ErrNotDocument)
	}
	_ = br.UnreadByte() // cannot fail straight after ReadByte
	return readBounded(br, name, max)
}

// readBounded reads r to its end in chunks and joins them once, so a
// document near max costs about twice its size at the peak, and one over
// max no more than max, where io.ReadAll's growing buffer held up to
// three times as much in copies.
func readBounded(r io.Reader, name string, max int64) ([]byte, error) {
	const chunk = 1 << 20
	var chunks [][]byte
	var total int64
	for {
		b := make([]byte, min(chunk, max+1-total))
		n, err := io.ReadFull(r, b)
		chunks = append(chunks, b[:n])
		total += int64(n)
		if total > max {
			return nil, fmt.Errorf("%s is larger than %d bytes: %w", name, max, ErrNotDocument)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return bytes.Join(chunks, nil), nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
}

// firstNonSpace returns the first byte of br that is not JSON white space.
func firstNonSpace(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return c, nil
		}
	}
}
