package lang

import (
	"reflect"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/mlform/mlform/internal/wanterr"
)

func TestGoValue(t *testing.T) {
	huge, _ := cty.ParseNumberVal("1e400")
	tests := []struct {
		name    string
		in      cty.Value
		want    any
		wantErr string
	}{
		{"null", cty.NullVal(cty.String), nil, ""},
		{"string", cty.StringVal("a"), "a", ""},
		{"bool", cty.True, true, ""},
		{"number", cty.NumberFloatVal(0.5), 0.5, ""},
		{"tuple", cty.TupleVal([]cty.Value{cty.StringVal("x"), cty.NumberIntVal(2)}), []any{"x", 2.0}, ""},
		{"empty list", cty.ListValEmpty(cty.String), []any{}, ""},
		{"object", cty.ObjectVal(map[string]cty.Value{"lr": cty.NumberFloatVal(0.1), "tags": cty.SetVal([]cty.Value{cty.StringVal("a")})}),
			map[string]any{"lr": 0.1, "tags": []any{"a"}}, ""},
		{"too large", huge, nil, "is too large"},
		{"too large inside", cty.ObjectVal(map[string]cty.Value{"n": huge}), nil, "n: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GoValue(tt.in)
			if wanterr.Check(t, err, tt.wantErr) {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("GoValue = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestConvErrText(t *testing.T) {
	list := cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"size": cty.StringVal("big")})})
	_, err := convert.Convert(list, cty.List(cty.Object(map[string]cty.Type{"size": cty.Number})))
	if err == nil {
		t.Fatal("conversion succeeded")
	}
	if got := ConvErrText(err); got != "[0].size: a number is required" {
		t.Errorf("ConvErrText = %q, want the path to the mismatch first", got)
	}
	_, err = convert.Convert(cty.StringVal("x"), cty.Number)
	if got := ConvErrText(err); got != "a number is required" {
		t.Errorf("ConvErrText = %q, want cty's message without a path", got)
	}
}
