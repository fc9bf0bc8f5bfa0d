// Package objname is the one grammar of the names of configuration
// objects once for_each and count have expanded them: a block's name
// (an identifier, checked by the caller's own rule) optionally followed by
// an instance key, `churn["eu"]` (for_each) or `churn[0]` (count).
//
// Names become map keys in state, plan addresses, directory names (a
// model's dataset directories) and environment variable names, and state
// and plan files are untrusted input. So keys are deliberately narrower
// than Terraform's: 1 to MaxKeyLen ASCII letters, digits, '_' and '-'.
// Such a key has no path separator, no dot (so never "." or ".."), no '@'
// (the version separator of addresses) and nothing to escape inside the
// quotes.
package objname

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen bounds a for_each key; MaxIndex bounds a count index.
const (
	MaxKeyLen = 64
	MaxIndex  = 9999
)

// Split separates a name into its block name and instance suffix:
// "churn" -> ("churn", ""), `churn["eu"]` -> ("churn", `["eu"]`). The
// block name of an object in a module keeps its module path:
// `module.a["x"].churn[0]` -> (`module.a["x"].churn`, "[0]"). It does not
// validate either part.
func Split(name string) (base, suffix string) {
	path, local := CutModule(name)
	b, s := splitLocal(local)
	return InModule(path, b), s
}

func splitLocal(name string) (base, suffix string) {
	for i := 0; i < len(name); i++ {
		if name[i] == '[' {
			return name[:i], name[i:]
		}
	}
	return name, ""
}

// CheckKey reports why a for_each key cannot name an instance.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("a key may not be empty")
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("a key is at most %d characters", MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if !keyByte(key[i]) {
			// Name the character, not its first byte: "é" holds "é", not "\xc3".
			bad := key[i : i+1]
			if r, n := utf8.DecodeRuneInString(key[i:]); r != utf8.RuneError {
				bad = key[i : i+n]
			}
			return fmt.Errorf("%q holds %q: a key may hold only ASCII letters, digits, _ and -", key, bad)
		}
	}
	return nil
}

func keyByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// KeySuffix is the suffix of a for_each instance: `["eu"]`. key must pass
// CheckKey.
func KeySuffix(key string) string { return `["` + key + `"]` }

// IndexSuffix is the suffix of a count instance: `[0]`.
func IndexSuffix(i int) string { return "[" + strconv.Itoa(i) + "]" }

// ParseSuffix reads an instance suffix: a quoted key (isKey) or an index.
// "" is no suffix (ok, no key). It accepts exactly what KeySuffix and
// IndexSuffix produce.
func ParseSuffix(s string) (key string, index int, isKey bool, err error) {
	if s == "" {
		return "", -1, false, nil
	}
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return "", 0, false, fmt.Errorf("%q is not an instance key: want [\"KEY\"] or [INDEX]", s)
	}
	in := s[1 : len(s)-1]
	if len(in) >= 2 && in[0] == '"' && in[len(in)-1] == '"' {
		k := in[1 : len(in)-1]
		if err := CheckKey(k); err != nil {
			return "", 0, false, fmt.Errorf("instance key %s: %w", s, err)
		}
		return k, 0, true, nil
	}
	n, err := strconv.Atoi(in)
	if err != nil || n < 0 || n > MaxIndex || strconv.Itoa(n) != in {
		if in != "" && in[0] != '"' && CheckKey(in) == nil && strings.Trim(in, "-0123456789") != "" {
			return "", 0, false, fmt.Errorf("instance key [%s] must be quoted: [\"%s\"] (in a shell, put the whole address in single quotes)", in, in)
		}
		return "", 0, false, fmt.Errorf("%q is not an instance key: want [\"KEY\"] (letters, digits, _ and -) or a count index [0] to [%d]", s, MaxIndex)
	}
	return "", n, false, nil
}

// UnquotedKey finds an instance key written without its quotes anywhere
// in an address (model.churn[eu], module.r[k1].model.m) and returns the
// error that says how to write it; nil when there is none.
func UnquotedKey(addr string) error {
	for rest := addr; ; {
		i := strings.IndexByte(rest, '[')
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(rest[i:], ']')
		if j < 0 {
			return nil
		}
		if in := rest[i+1 : i+j]; in != "" && in[0] != '"' && CheckKey(in) == nil && strings.Trim(in, "-0123456789") != "" {
			_, _, _, err := ParseSuffix(rest[i : i+j+1])
			return err
		}
		rest = rest[i+j+1:]
	}
}

// Valid reports whether name is base (as isBase accepts it) with an
// optional valid instance suffix, inside an optional module path whose
// module names isBase accepts too.
func Valid(name string, isBase func(string) bool) bool {
	path, local := CutModule(name)
	if path != "" && checkModulePath(path, isBase) != nil {
		return false
	}
	base, suffix := splitLocal(local)
	if !isBase(base) {
		return false
	}
	_, _, _, err := ParseSuffix(suffix)
	return err == nil
}

// ShellArg is an address as a command line in a hint must give it: in
// single quotes when it has an instance key (brackets are globs and the
// double quotes part of the address), as is otherwise. Addresses never
// hold a single quote (CheckKey), but one is quoted right all the same.
func ShellArg(addr string) string {
	if strings.ContainsAny(addr, `["]'`) {
		return "'" + strings.ReplaceAll(addr, "'", `'\''`) + "'"
	}
	return addr
}
