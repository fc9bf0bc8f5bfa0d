package objname

import (
	"strings"
	"testing"
)

func TestParseSuffix(t *testing.T) {
	for _, tc := range []struct {
		in    string
		key   string
		index int
		isKey bool
		err   string
	}{
		{in: "", index: -1},
		{in: `["eu"]`, key: "eu", isKey: true},
		{in: `["eu-west_1"]`, key: "eu-west_1", isKey: true},
		{in: "[0]", index: 0},
		{in: "[12]", index: 12},
		{in: "[012]", err: "not an instance key"},
		{in: "[-1]", err: "not an instance key"},
		{in: "[10000]", err: "not an instance key"},
		{in: "[eu]", err: `must be quoted: ["eu"]`},
		{in: `[""]`, err: "may not be empty"},
		{in: `["../x"]`, err: "only ASCII letters"},
		{in: `["a/b"]`, err: "only ASCII letters"},
		{in: `["a.b"]`, err: "only ASCII letters"},
		{in: `["a@1"]`, err: "only ASCII letters"},
		{in: `["a"]["b"]`, err: "only ASCII letters"},
		{in: `["` + strings.Repeat("k", MaxKeyLen+1) + `"]`, err: "at most"},
		{in: `[`, err: "not an instance key"},
		{in: `["eu"`, err: "not an instance key"},
	} {
		key, index, isKey, err := ParseSuffix(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSuffix(%q) error = %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || key != tc.key || index != tc.index || isKey != tc.isKey {
			t.Errorf("ParseSuffix(%q) = %q, %d, %v, %v; want %q, %d, %v", tc.in, key, index, isKey, err, tc.key, tc.index, tc.isKey)
		}
	}
}

func TestSplitAndValid(t *testing.T) {
	ident := func(s string) bool { return s != "" && !strings.ContainsAny(s, `[]"./`) }
	for _, tc := range []struct {
		in, base, suffix string
		valid            bool
	}{
		{"churn", "churn", "", true},
		{`churn["eu"]`, "churn", `["eu"]`, true},
		{"churn[3]", "churn", "[3]", true},
		{`["eu"]`, "", `["eu"]`, false},
		{`churn["e/u"]`, "churn", `["e/u"]`, false},
		{"churn[", "churn", "[", false},
	} {
		b, s := Split(tc.in)
		if b != tc.base || s != tc.suffix {
			t.Errorf("Split(%q) = %q, %q; want %q, %q", tc.in, b, s, tc.base, tc.suffix)
		}
		if got := Valid(tc.in, ident); got != tc.valid {
			t.Errorf("Valid(%q) = %v, want %v", tc.in, got, tc.valid)
		}
	}
	if KeySuffix("eu") != `["eu"]` || IndexSuffix(4) != "[4]" {
		t.Error("suffix formatting changed")
	}
}

func FuzzParseSuffix(f *testing.F) {
	for _, s := range []string{`["eu"]`, "[0]", "[eu]", `["a/b"]`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, index, isKey, err := ParseSuffix(s)
		if err != nil {
			return
		}
		// What parses formats back to itself and never holds a separator.
		switch {
		case s == "":
		case isKey:
			if KeySuffix(key) != s || strings.ContainsAny(key, `/\.@"[]`) {
				t.Fatalf("ParseSuffix(%q) accepted key %q", s, key)
			}
		default:
			if IndexSuffix(index) != s {
				t.Fatalf("ParseSuffix(%q) accepted index %d", s, index)
			}
		}
	})
}

func TestCheckKey(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"eu-west_1", ""},
		{"", "a key may not be empty"},
		{strings.Repeat("k", MaxKeyLen+1), "a key is at most 64 characters"},
		{"eu west", `"eu west" holds " ": a key may hold only`},
		// The character is named whole, not by its first byte ("\xc3").
		{"région", `"région" holds "é": a key may hold only`},
		{"a\u202eb", `"a\u202eb" holds "\u202e": a key may hold only`},
		{"a\xffb", `"a\xffb" holds "\xff": a key may hold only`},
	} {
		err := CheckKey(tc.key)
		if tc.want == "" {
			if err != nil {
				t.Errorf("CheckKey(%q) = %v", tc.key, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CheckKey(%q) = %v, want %s", tc.key, err, tc.want)
		}
	}
}

func TestShellArg(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"model.churn@3", "model.churn@3"},
		{`model.churn["eu"]@3`, `'model.churn["eu"]@3'`},
		{"dataset.s[0]", "'dataset.s[0]'"},
		{"model.a'b", `'model.a'\''b'`},
	} {
		if got := ShellArg(tc.in); got != tc.want {
			t.Errorf("ShellArg(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
