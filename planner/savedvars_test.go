package planner

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/planner/plans"
)

func varsConfig(vars ...*config.Variable) *config.Config {
	c := &config.Config{Variables: map[string]*config.Variable{}}
	for _, v := range vars {
		c.Variables[v.Name] = v
	}
	return c
}

// TestSavedVariablesRoundTrip: given values are saved (sensitive ones as a
// salted hash, never the value), defaults are not, and apply's check
// accepts the same values and names the variable that differs.
func TestSavedVariablesRoundTrip(t *testing.T) {
	listTy := cty.List(cty.Number)
	atPlan := varsConfig(
		&config.Variable{Name: "src", Value: cty.StringVal("data2"), Source: "-var"},
		&config.Variable{Name: "ks", Value: cty.ListVal([]cty.Value{cty.NumberIntVal(1), cty.NumberFloatVal(0.5)}), Source: "prod.mlfvars"},
		&config.Variable{Name: "token", Value: cty.StringVal("s3cr3t"), Source: "environment variable MLFORM_VAR_token", Sensitive: true},
		&config.Variable{Name: "dflt", Value: cty.StringVal("d"), Source: "default"},
	)
	saved, err := SaveVariables(atPlan)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != 3 {
		t.Fatalf("saved %d variables, want src, ks and token (not the default)", len(saved))
	}
	p := &plans.Plan{FormatVersion: plans.PlanFormatVersion, Actions: []*plans.Action{}, Variables: saved}
	var buf bytes.Buffer
	if err := plans.EncodePlan(&buf, p); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "s3cr3t") {
		t.Fatal("the sensitive value is in the plan file")
	}
	p, err = plans.DecodePlan(&buf)
	if err != nil {
		t.Fatal(err)
	}
	planned, err := PlannedValues(p)
	if err != nil {
		t.Fatal(err)
	}
	if !planned["src"].RawEquals(cty.StringVal("data2")) || !planned["ks"].Type().Equals(listTy) || len(planned) != 2 {
		t.Fatalf("planned values: %#v", planned)
	}

	applyWith := func(token, tokenSource, src, srcSource string, extra ...*config.Variable) *config.Config {
		vs := []*config.Variable{
			{Name: "src", Value: cty.StringVal(src), Source: srcSource},
			{Name: "ks", Value: planned["ks"], Source: config.PlannedSource},
			{Name: "token", Value: cty.StringVal(token), Source: tokenSource, Sensitive: true},
			{Name: "dflt", Value: cty.StringVal("d"), Source: "default"},
		}
		return varsConfig(append(vs, extra...)...)
	}
	tests := []struct {
		name string
		cfg  *config.Config
		want string // "" = accepted
	}{
		{"same values", applyWith("s3cr3t", "-var", "data2", config.PlannedSource), ""},
		{"non-sensitive given again, same", applyWith("s3cr3t", "-var", "data2", "-var"), ""},
		{"sensitive not given", applyWith("none", "default", "data2", config.PlannedSource), "var.token is sensitive, so the plan file does not carry its value"},
		{"sensitive differs", applyWith("guess", "-var", "data2", config.PlannedSource), "var.token (sensitive, from -var) differs"},
		{"non-sensitive differs", applyWith("s3cr3t", "-var", "data", "-var"), "var.src from -var differs from the value saved in the plan"},
		{"default overridden", applyWith("s3cr3t", "-var", "data2", config.PlannedSource, &config.Variable{Name: "dflt", Value: cty.StringVal("x"), Source: "-var"}),
			"var.dflt is set by -var, but the plan was made with its default"},
		{"variable gone", varsConfig(&config.Variable{Name: "token", Value: cty.StringVal("s3cr3t"), Source: "-var", Sensitive: true}), "no longer declares"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckVariables(p, tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want %q", err, tt.want)
			case err != nil && (strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "guess")):
				t.Fatalf("error shows a sensitive value: %v", err)
			}
		})
	}
}

// TestSaltedHashes: the same secret saved twice gets different salts and
// hashes, so a plan file does not even show that two plans share a secret.
func TestSaltedHashes(t *testing.T) {
	cfg := varsConfig(&config.Variable{Name: "token", Value: cty.StringVal("s"), Source: "-var", Sensitive: true})
	a, err := SaveVariables(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SaveVariables(cfg)
	if a[0].Salt == b[0].Salt || a[0].Hash == b[0].Hash {
		t.Error("two saves share a salt or hash")
	}
}

// FuzzPlannedValues: whatever type and value a plan file that passed
// validation carries, decoding them errors or succeeds, never panics or
// recurses without bound; a value it decodes is one plan can save again
// and that comes back equal (what apply's CheckVariables compares).
func FuzzPlannedValues(f *testing.F) {
	f.Add([]byte(`"string"`), []byte(`"x"`))
	f.Add([]byte(`["list","number"]`), []byte(`[1,2.5]`))
	f.Add([]byte(`["object",{"a":["map","bool"]}]`), []byte(`{"a":{"k":true}}`))
	f.Add([]byte(`"dynamic"`), []byte(`{"value":1,"type":"number"}`))
	f.Fuzz(func(t *testing.T, ty, val []byte) {
		if !json.Valid(ty) || !json.Valid(val) {
			return
		}
		p := &plans.Plan{FormatVersion: plans.PlanFormatVersion, Actions: []*plans.Action{},
			Variables: []*plans.Variable{{Name: "v", Type: ty, Value: val}}}
		if plans.ValidatePlan(p) != nil {
			return
		}
		vals, err := PlannedValues(p)
		if err != nil {
			return
		}
		ty2, val2, err := encodeVariable("v", vals["v"])
		if err != nil {
			t.Fatalf("planned value %#v does not encode: %v", vals["v"], err)
		}
		again, err := PlannedValues(&plans.Plan{Variables: []*plans.Variable{{Name: "v", Type: ty2, Value: val2}}})
		if err != nil || !again["v"].RawEquals(vals["v"]) {
			t.Fatalf("planned value %#v saved as %s %s comes back as %#v (%v)", vals["v"], ty2, val2, again["v"], err)
		}
	})
}

// TestSavedVariableValues: values of every shape, nulls included, come
// back from the plan file equal, so apply's check accepts them.
func TestSavedVariableValues(t *testing.T) {
	tests := []struct {
		name string
		val  cty.Value
	}{
		{"untyped null", cty.NullVal(cty.DynamicPseudoType)},
		{"typed null", cty.NullVal(cty.String)},
		{"object with null", cty.ObjectVal(map[string]cty.Value{"a": cty.NullVal(cty.Number), "b": cty.True})},
		{"map", cty.MapVal(map[string]cty.Value{"k": cty.StringVal("${not a template}")})},
		{"big number", cty.MustParseNumberVal("123456789012345678901234567890.5")},
		{"set", cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved, err := SaveVariables(varsConfig(&config.Variable{Name: "x", Value: tt.val, Source: "-var"}))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := plans.EncodePlan(&buf, &plans.Plan{FormatVersion: plans.PlanFormatVersion, Actions: []*plans.Action{}, Variables: saved}); err != nil {
				t.Fatal(err)
			}
			p, err := plans.DecodePlan(&buf)
			if err != nil {
				t.Fatal(err)
			}
			got, err := PlannedValues(p)
			if err != nil {
				t.Fatal(err)
			}
			if !got["x"].RawEquals(tt.val) {
				t.Fatalf("got %#v, want %#v", got["x"], tt.val)
			}
			if err := CheckVariables(p, varsConfig(&config.Variable{Name: "x", Value: got["x"], Source: config.PlannedSource})); err != nil {
				t.Fatal(err)
			}
		})
	}
}
