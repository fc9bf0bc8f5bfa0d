package cloudtest

import (
	"os"
	"strings"
	"testing"
)

// secretEnv are the variables whose values are credentials: none of them
// may ever appear in mlform's output, errors, logs, state or plan files.
var secretEnv = []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CONNECTION_STRING"}

// SecretEnv returns the names of the credential variables.
func SecretEnv() []string { return append([]string(nil), secretEnv...) }

// Secrets returns the credential values set in this environment (at least
// 8 characters, so that short values cannot match by accident).
func Secrets() []string {
	var out []string
	for _, name := range secretEnv {
		if v := os.Getenv(name); len(v) >= 8 {
			out = append(out, v)
		}
	}
	return out
}

// LeakedSecret returns the name of the credential variable whose value
// occurs in text, or "" when none does.
func LeakedSecret(text string) string {
	for _, name := range secretEnv {
		if v := os.Getenv(name); len(v) >= 8 && strings.Contains(text, v) {
			return name
		}
	}
	return ""
}

// CheckNoSecrets fails the test when text, described by what, contains a
// credential. The message names the variable, never the value.
func CheckNoSecrets(t testing.TB, what, text string) {
	t.Helper()
	if name := LeakedSecret(text); name != "" {
		t.Errorf("%s contains the value of %s", what, name)
	}
}

// Scrub replaces every credential value in s with REDACTED, for messages
// the harness itself prints (an SDK error may echo a signature input).
func Scrub(s string) string {
	for _, name := range secretEnv {
		if v := os.Getenv(name); len(v) >= 8 {
			s = strings.ReplaceAll(s, v, "REDACTED")
		}
	}
	return s
}
