package bloburl

import (
	"bytes"
	"net/url"
	"strings"
)

// MaskSecrets returns src with what Redact hides in every URL it holds
// (user info, or its password; the values of secret-looking query and
// fragment parameters) overwritten by '*' byte for byte, and whether there
// was any. Every position in src stays valid, so it serves for quoting
// source text that may hold a credential: the configuration line a
// diagnostic's snippet shows, with its highlight where it was. src is not
// modified; it is returned as is when there is nothing to mask.
func MaskSecrets(src []byte) ([]byte, bool) {
	if !bytes.Contains(src, []byte("://")) {
		return src, false
	}
	var out []byte
	for _, m := range urlInText.FindAllIndex(src, -1) {
		start, end := m[0], m[1]
		// Punctuation that ends a sentence is not the URL's (RedactURLs).
		for end > start && strings.IndexByte(":,.;)]}", src[end-1]) >= 0 {
			end--
		}
		for _, span := range secretSpans(string(src[start:end])) {
			if span[1] <= span[0] {
				continue // an empty value: nothing to hide
			}
			if out == nil {
				out = bytes.Clone(src)
			}
			for i := start + span[0]; i < start+span[1]; i++ {
				out[i] = '*'
			}
		}
	}
	if out == nil {
		return src, false
	}
	return out, true
}

// secretSpans returns the byte ranges of u's secrets: the user info (only
// its password when it has one), and the value of each query or fragment
// pair whose name looks secret, cannot be read, or whose value is itself
// a URL with secrets.
func secretSpans(u string) [][2]int {
	var spans [][2]int
	rest := 0
	if i := strings.Index(u, "://"); i >= 0 {
		rest = i + 3
	}
	auth := len(u)
	if i := strings.IndexAny(u[rest:], "/?#"); i >= 0 {
		auth = rest + i
	}
	if at := strings.LastIndexByte(u[rest:auth], '@'); at >= 0 {
		info := u[rest : rest+at]
		if c := strings.IndexByte(info, ':'); c >= 0 {
			spans = append(spans, [2]int{rest + c + 1, rest + at})
		} else {
			spans = append(spans, [2]int{rest, rest + at})
		}
	}
	frag := len(u)
	if i := strings.IndexByte(u[auth:], '#'); i >= 0 {
		frag = auth + i
	}
	if i := strings.IndexByte(u[auth:frag], '?'); i >= 0 {
		spans = append(spans, paramSpans(u, auth+i+1, frag)...)
	}
	if frag < len(u) && strings.IndexByte(u[frag:], '=') >= 0 {
		frag++
		spans = append(spans, paramSpans(u, frag, len(u))...)
	}
	return spans
}

// paramSpans is secretSpans for the pairs of u[from:to], separated by '&'
// or ';' (as redactRawParams reads them).
func paramSpans(u string, from, to int) [][2]int {
	var spans [][2]int
	for from < to {
		end := to
		if i := strings.IndexAny(u[from:to], "&;"); i >= 0 {
			end = from + i
		}
		pair := u[from:end]
		if eq := strings.IndexByte(pair, '='); eq >= 0 {
			name, nerr := url.QueryUnescape(pair[:eq])
			val, verr := url.QueryUnescape(pair[eq+1:])
			if nerr != nil || verr != nil || secretParam(name) || Redact(val) != val {
				spans = append(spans, [2]int{from + eq + 1, end})
			}
		}
		from = end + 1
	}
	return spans
}
