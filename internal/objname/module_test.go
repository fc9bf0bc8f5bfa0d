package objname

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestModuleNames(t *testing.T) {
	ident := func(s string) bool { return s != "" && !strings.ContainsAny(s, `[]"./`) }
	for _, tc := range []struct {
		name, path, local, base, suffix string
		valid                           bool
	}{
		{"churn", "", "churn", "churn", "", true},
		{"module.a.churn", "module.a", "churn", "module.a.churn", "", true},
		{`module.a["eu"].churn[2]`, `module.a["eu"]`, "churn[2]", `module.a["eu"].churn`, "[2]", true},
		{`module.a[0].module.b.churn["x"]`, "module.a[0].module.b", `churn["x"]`, "module.a[0].module.b.churn", `["x"]`, true},
		{"module.a", "", "module.a", "module.a", "", false},
		{"module..churn", "module.", "churn", "module..churn", "", false},
		{`module.a[eu].churn`, "module.a[eu]", "churn", "module.a[eu].churn", "", false},
		{`module.a["e/u"].churn`, `module.a["e/u"]`, "churn", `module.a["e/u"].churn`, "", false},
		{`module.a["eu"]x.churn`, "", `module.a["eu"]x.churn`, `module.a`, `["eu"]x.churn`, false},
	} {
		p, l := CutModule(tc.name)
		if p != tc.path || l != tc.local {
			t.Errorf("CutModule(%q) = %q, %q; want %q, %q", tc.name, p, l, tc.path, tc.local)
		}
		b, s := Split(tc.name)
		if b != tc.base || s != tc.suffix {
			t.Errorf("Split(%q) = %q, %q; want %q, %q", tc.name, b, s, tc.base, tc.suffix)
		}
		if got := Valid(tc.name, ident); got != tc.valid {
			t.Errorf("Valid(%q) = %v, want %v", tc.name, got, tc.valid)
		}
	}
	for _, p := range []string{"module.a", `module.a["eu"].module.b[0]`} {
		if !ValidModulePath(p, ident) {
			t.Errorf("ValidModulePath(%q) = false", p)
		}
	}
	for _, p := range []string{"", "module.", "model.a", `module.a["e/u"]`, "module.a.churn"} {
		if ValidModulePath(p, ident) {
			t.Errorf("ValidModulePath(%q) = true", p)
		}
	}
	deep := strings.Repeat("module.m.", MaxModuleDepth+1) + "churn"
	if Valid(deep, ident) {
		t.Errorf("Valid accepted %d nested modules", MaxModuleDepth+1)
	}
}

func TestDisplayCanonical(t *testing.T) {
	for _, tc := range []struct{ internal, display, err string }{
		{internal: "model.churn", display: "model.churn"},
		{internal: `model.churn["eu"]@3`, display: `model.churn["eu"]@3`},
		{internal: "model.module.a.churn@3", display: "module.a.model.churn@3"},
		{internal: `dataset.module.a["eu"].sales`, display: `module.a["eu"].dataset.sales`},
		{internal: `model.module.a[0].module.b.churn@prod`, display: `module.a[0].module.b.model.churn@prod`},
		{display: "module.a", err: "want module.NAME.KIND.NAME"},
		{display: "module.a.churn", err: "followed by an object"},
		// A module path after the kind read back as another object:
		// model x of module.a.module.b (FuzzCanonical's seed).
		{display: "module.a.model.module.b.x", err: "model.module.b.x is not an object name; the whole module path comes first"},
		{display: "module.a.model.churn.extra", err: "is not an object name"},
		{display: "module.0.0.module.0.0", err: "is not an object name"},
	} {
		if tc.err == "" && Display(tc.internal) != tc.display {
			t.Errorf("Display(%q) = %q, want %q", tc.internal, Display(tc.internal), tc.display)
		}
		got, err := Canonical(tc.display)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Canonical(%q) error = %v, want %q", tc.display, err, tc.err)
			}
		case err != nil || got != tc.internal:
			t.Errorf("Canonical(%q) = %q, %v; want %q", tc.display, got, err, tc.internal)
		}
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"module.a.model.churn@3", `module.a["eu"].dataset.x`, "model.churn", "module.", "module.a[", `module.a["x"]]`} {
		f.Add(s)
	}
	ident := func(s string) bool { return s != "" && !strings.ContainsAny(s, `[]"./@`) }
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Canonical(s)
		if err != nil {
			return
		}
		// Whatever Canonical turns from a module address into one that names a valid object displays
		// back as given.
		kind, rest, ok := strings.Cut(c, ".")
		name, _, _ := strings.Cut(rest, "@")
		if strings.HasPrefix(s, modulePrefix) && ok && ident(kind) && Valid(name, ident) && Display(c) != s {
			t.Fatalf("Display(Canonical(%q)) = %q", s, Display(c))
		}
	})
}

func TestDisplayText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"no modules here: model.churn", "no modules here: model.churn"},
		{`+ train model.module.region["eu"].churn -> v1`, `+ train module.region["eu"].model.churn -> v1`},
		{`{"address":"model.module.region[\"eu\"].churn@2"}`, `{"address":"module.region[\"eu\"].model.churn@2"}`},
		{"dataset.module.a.module.b[0].sales and model.module.a.churn", "module.a.module.b[0].dataset.sales and module.a.model.churn"},
		{"mymodel.module.a.churn", "mymodel.module.a.churn"},
		{"model.module.", "model.module."},
		{"model.module.a", "model.module.a"},
		{"see model.module.a.", "see model.module.a."},
	} {
		if got := string(DisplayText([]byte(tc.in))); got != tc.want {
			t.Errorf("DisplayText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestDisplayTextLinear rewrites a fleet's plan document in one write, as
// `mlform show -json` does: the work must follow the document's size, not
// its size times its number of addresses (each match used to copy the
// rest of the document: 5 s for the markdown plan of 1,000 module models).
func TestDisplayTextLinear(t *testing.T) {
	var in, want strings.Builder
	for i := range 4000 {
		fmt.Fprintf(&in, `{"address":"model.module.region[\"r%04d\"].churn@2","reason":"code changed"},`+"\n", i)
		fmt.Fprintf(&want, `{"address":"module.region[\"r%04d\"].model.churn@2","reason":"code changed"},`+"\n", i)
	}
	src := []byte(in.String())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := DisplayText(src)
	runtime.ReadMemStats(&after)
	if string(got) != want.String() {
		t.Fatal("DisplayText rewrote the document wrongly")
	}
	// The output and its appends' regrowth: a few times the input. A copy
	// of the rest per address is about 4000 × 170 KiB on average.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(8*len(src)) {
		t.Errorf("DisplayText of %d bytes with 4000 addresses allocated %d bytes: more than 8 times its input", len(src), alloc)
	}
}

func FuzzDisplayText(f *testing.F) {
	for _, s := range []string{`model.module.a["eu"].churn`, "dataset.module.x.module.y.z", "model.module.[", "a.module.b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := DisplayText([]byte(s))
		if len(got) != len(s) {
			t.Fatalf("DisplayText(%q) = %q changed the length", s, got)
		}
	})
}

// FuzzValid: names read from state and plan files are untrusted. A name
// Valid accepts splits into a module path and a local name that join
// back to it, and holds no separator a path or an address could misread.
func FuzzValid(f *testing.F) {
	for _, s := range []string{"churn", `module.a["eu"].churn[0]`, "module.a.module.b.c", "module..c", `module.a["x"]].c`} {
		f.Add(s)
	}
	ident := func(s string) bool { return s != "" && !strings.ContainsAny(s, `[]"./@\ `) }
	f.Fuzz(func(t *testing.T, s string) {
		if !Valid(s, ident) {
			return
		}
		path, local := CutModule(s)
		if InModule(path, local) != s || strings.Contains(local, ".") || strings.ContainsAny(s, `/\@`) {
			t.Fatalf("Valid(%q): path %q, local %q", s, path, local)
		}
	})
}
