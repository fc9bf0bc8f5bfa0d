package bloburl

import (
	"net/url"
	"regexp"
	"strings"
)

// secretParamWords are the parts of a query parameter name that mark its
// value as a secret: a parameter whose lower-cased name contains any of
// them is redacted (access_key, apikey, private_key, x-amz-signature,
// sas_token, auth, pw, ...). Over-redacting a harmless parameter costs a
// less helpful message; under-redacting leaks a credential.
func secretParamWords() []string {
	return []string{
		"secret", "password", "passwd", "pass", "pwd", "pw",
		"token", "key", "sig", "signature", "credential", "cred", "sas",
		"auth", "private", "session", "cookie", "bearer", "jwt", "otp",
	}
}

// secretParam reports whether a query parameter called name holds a secret.
func secretParam(name string) bool {
	ln := strings.ToLower(name)
	for _, w := range secretParamWords() {
		if strings.Contains(ln, w) {
			return true
		}
	}
	return false
}

// Redact returns rawURL with its user info (the password, or a user name
// alone, which is often a token: https://TOKEN@host) and the values of
// secret-looking query or fragment parameters replaced by "REDACTED", safe
// to print or log.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not a URL we can take apart: show only the scheme, if any.
		if i := strings.Index(rawURL, "://"); i >= 0 {
			return rawURL[:i] + "://REDACTED"
		}
		return rawURL
	}
	changed := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
		} else {
			u.User = url.User("REDACTED")
		}
		changed = true
	}
	if u.RawQuery != "" {
		if q, ch := redactParams(u.RawQuery); ch {
			u.RawQuery, changed = q, true
		}
	}
	if u.Fragment != "" && strings.Contains(u.Fragment, "=") {
		if f, ch := redactParams(u.Fragment); ch {
			u.Fragment, u.RawFragment, changed = f, "", true
		}
	}
	if !changed {
		// Nothing secret: keep the user's spelling ("mem://" stays
		// "mem://"), but for an empty query's "?".
		if u.ForceQuery && u.Fragment == "" {
			return strings.TrimSuffix(rawURL, "?")
		}
		return rawURL
	}
	u.ForceQuery = false // an empty query shows no "?"
	return u.String()
}

// redactParams redacts a query string (or a fragment written like one).
func redactParams(raw string) (string, bool) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		// ParseQuery drops the pairs it cannot read (a ';' separator, a bad
		// escape) and a secret with them: redact those as written.
		return redactRawParams(raw)
	}
	changed := false
	for name, vals := range q {
		if secretParam(name) {
			q.Set(name, "REDACTED")
			changed = true
			continue
		}
		// A URL inside a parameter (endpoint=http://user:pw@host) carries
		// its own secrets.
		for i, v := range vals {
			if r := Redact(v); r != v {
				vals[i], changed = r, true
			}
		}
	}
	if !changed {
		return raw, false
	}
	return q.Encode(), true
}

// redactRawParams is redactParams for a query Go cannot parse: every pair,
// separated by '&' or ';' and kept as written, whose name suggests a secret
// (or whose value is a URL with secrets, or cannot be unescaped to be
// checked) has its value replaced.
func redactRawParams(raw string) (string, bool) {
	var b strings.Builder
	changed := false
	for raw != "" {
		i := strings.IndexAny(raw, "&;")
		pair, sep := raw, ""
		if i >= 0 {
			pair, sep, raw = raw[:i], raw[i:i+1], raw[i+1:]
		} else {
			raw = ""
		}
		rawName, rawVal, hasVal := strings.Cut(pair, "=")
		name, nerr := url.QueryUnescape(rawName)
		val, verr := url.QueryUnescape(rawVal)
		switch {
		case nerr != nil || secretParam(name), hasVal && verr != nil: // a value that cannot be unescaped cannot be checked
			pair = rawName + "=REDACTED"
			changed = true
		case hasVal && Redact(val) != val:
			pair = rawName + "=" + url.QueryEscape(Redact(val))
			changed = true
		}
		b.WriteString(pair + sep)
	}
	return b.String(), changed
}

// queryValues is every name and value of a query string: url.ParseQuery's,
// plus, when it cannot read some pairs (a ';' separator, a bad escape),
// those pairs as written.
func queryValues(raw string) url.Values {
	q, err := url.ParseQuery(raw)
	if err == nil {
		return q
	}
	for _, pair := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		name, val, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(val); err == nil {
			q.Add(name, v)
		}
		q.Add(name, val)
	}
	return q
}

// RedactError returns err's message with rawURL (and its password, if any)
// replaced by the redacted form.
func RedactError(err error, rawURL string) string {
	return RedactText(err.Error(), rawURL)
}

// RedactText removes rawURL's secrets from msg, however a driver spelled
// them (raw, escaped, inside a nested URL).
func RedactText(msg, rawURL string) string {
	msg = strings.ReplaceAll(msg, rawURL, Redact(rawURL))
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return msg
	}
	replace := func(secret string) {
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "REDACTED")
			msg = strings.ReplaceAll(msg, url.QueryEscape(secret), "REDACTED")
		}
	}
	if u.User != nil {
		if pw, has := u.User.Password(); has {
			replace(pw)
		} else {
			replace(u.User.Username())
		}
	}
	// Drivers may print the URL in another form ("mem:?token=..."): remove
	// the secret values themselves, raw and escaped, and the secrets of a
	// URL inside a parameter (endpoint=http://user:pw@host).
	for _, raw := range []string{u.RawQuery, u.Fragment} {
		for name, vals := range queryValues(raw) {
			for _, v := range vals {
				switch {
				case secretParam(name):
					replace(v)
				case strings.Contains(v, "://") && Redact(v) != v:
					msg = RedactText(msg, v)
				}
			}
		}
	}
	return RedactURLs(msg)
}

// urlInText matches a URL inside a message, up to the quote, space or
// bracket that ends it (Go's url.Error quotes its URL).
var urlInText = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'<>`]+")

// RedactURLs returns msg with every URL in it redacted (see Redact). An
// SDK may echo a request URL that carries a credential the user gave
// outside mlform's URL: on a failed connection, Go's HTTP client names the
// request's URL, and an Azure request made with AZURE_STORAGE_SAS_TOKEN
// holds the token's signature in its query.
func RedactURLs(msg string) string {
	if !strings.Contains(msg, "://") {
		return msg
	}
	return urlInText.ReplaceAllStringFunc(msg, func(u string) string {
		// Punctuation that ends a sentence ("URL: message") is not the URL's.
		t := strings.TrimRight(u, ":,.;)]}")
		return Redact(t) + u[len(t):]
	})
}

// RedactedError is an error whose message went through RedactURLs; it
// unwraps to the original, so errors.Is, errors.As and gcerrors.Code still
// see it.
type RedactedError struct {
	msg string
	err error
}

func (e *RedactedError) Error() string { return e.msg }
func (e *RedactedError) Unwrap() error { return e.err }

// RedactURLsErr returns err with RedactURLs applied to its message, or err
// itself when its message names no URL with a secret.
func RedactURLsErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := RedactURLs(msg); r != msg {
		return &RedactedError{msg: r, err: err}
	}
	return err
}
