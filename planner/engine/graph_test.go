package engine

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/wanterr"
)

func testGraph(t *testing.T) *Graph {
	t.Helper()
	g, err := NewGraph([]*Node{
		{Addr: "promotion.prod", DependsOn: []string{"model.churn"}},
		{Addr: "model.churn", DependsOn: []string{"dataset.churn", "dataset.extra"}, Attrs: map[string]string{"environment": "trainer"}},
		{Addr: "dataset.extra"},
		{Addr: "dataset.churn", Attrs: map[string]string{"storage": "default"}},
		{Addr: "model.other", DependsOn: []string{"dataset.extra"}},
		{Addr: "retrain_policy.p", DependsOn: []string{"model.churn"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGraphOrder(t *testing.T) {
	g := testGraph(t)
	want := []string{"dataset.churn", "dataset.extra", "model.churn", "model.other", "retrain_policy.p", "promotion.prod"}
	if got := g.Order(); !reflect.DeepEqual(got, want) {
		t.Errorf("Order() = %v, want %v", got, want)
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name  string
		nodes []*Node
		want  string
	}{
		{"duplicate", []*Node{{Addr: "dataset.a"}, {Addr: "dataset.a"}}, "declared twice"},
		{"undeclared", []*Node{{Addr: "model.m", DependsOn: []string{"dataset.x"}}}, "undeclared dataset.x"},
		{"cycle", []*Node{{Addr: "model.a", DependsOn: []string{"model.b"}}, {Addr: "model.b", DependsOn: []string{"model.a"}}}, "cycle between model.a, model.b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewGraph(tt.nodes)
			wanterr.Check(t, err, tt.want)
		})
	}
}

func TestGraphSelect(t *testing.T) {
	g := testGraph(t)
	tests := []struct {
		targets []string
		want    []string
		err     string
	}{
		{nil, []string{"dataset.churn", "dataset.extra", "model.churn", "model.other", "promotion.prod", "retrain_policy.p"}, ""},
		{[]string{"dataset.churn"}, []string{"dataset.churn"}, ""},
		{[]string{"model.other"}, []string{"dataset.extra", "model.other"}, ""},
		{[]string{"promotion.prod"}, []string{"dataset.churn", "dataset.extra", "model.churn", "promotion.prod"}, ""},
		{[]string{"dataset.churn", "model.other"}, []string{"dataset.churn", "dataset.extra", "model.other"}, ""},
		{[]string{"dataset.nope"}, nil, "-target dataset.nope: no such object in the configuration (declared: dataset.churn, dataset.extra)"},
		{[]string{"widget.x"}, nil, "-target widget.x: no such object in the configuration (declared: dataset.churn, dataset.extra, model.churn"},
		{[]string{"churn"}, nil, "-target churn: not an address: want KIND.NAME such as dataset.churn or model.churn (declared: dataset.churn"},
	}
	for _, tt := range tests {
		checkSelect(t, g, tt.targets, tt.want, tt.err)
	}
}

func TestGraphSelectInstances(t *testing.T) {
	g, err := NewGraph([]*Node{
		{Addr: `dataset.sales["eu"]`}, {Addr: `dataset.sales["us"]`},
		{Addr: `model.churn["eu"]`, DependsOn: []string{`dataset.sales["eu"]`}},
		{Addr: `model.churn["us"]`, DependsOn: []string{`dataset.sales["us"]`}},
		{Addr: "model.churnx", DependsOn: []string{`dataset.sales["us"]`}},
		{Addr: `dataset.module.r["eu"].d`}, {Addr: `model.module.r["eu"].m`, DependsOn: []string{`dataset.module.r["eu"].d`}},
		{Addr: `model.module.r["us"].module.inner.m`}, {Addr: "model.module.rx.m"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		target string
		want   []string
		err    string
	}{
		{`model.churn["eu"]`, []string{`dataset.sales["eu"]`, `model.churn["eu"]`}, ""},
		{"model.churn", []string{`dataset.sales["eu"]`, `dataset.sales["us"]`, `model.churn["eu"]`, `model.churn["us"]`}, ""},
		{"dataset.sales", []string{`dataset.sales["eu"]`, `dataset.sales["us"]`}, ""},
		{`model.churn["ap"]`, nil, `no such object in the configuration (declared: model.churn["eu"], model.churn["us"], model.churnx, model.module.r["eu"].m`},
		{"model.chu", nil, "no such object"},
		{`module.r["eu"]`, []string{`dataset.module.r["eu"].d`, `model.module.r["eu"].m`}, ""},
		{"module.r", []string{`dataset.module.r["eu"].d`, `model.module.r["eu"].m`, `model.module.r["us"].module.inner.m`}, ""},
		{`module.r["us"].module.inner`, []string{`model.module.r["us"].module.inner.m`}, ""},
		{"module.nope", nil, "no such object"},
		{"model.churn[eu]", nil, `-target model.churn[eu]: instance key [eu] must be quoted: ["eu"]`},
		{"module.r[us].module.inner", nil, `-target module.r[us].module.inner: instance key [us] must be quoted: ["us"]`},
	} {
		checkSelect(t, g, []string{tt.target}, tt.want, tt.err)
	}
}

// checkSelect checks that g.Select(targets) selects exactly want, or fails
// with an error containing wantErr.
func checkSelect(t *testing.T, g *Graph, targets, want []string, wantErr string) {
	t.Helper()
	sel, err := g.Select(targets)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("Select(%q) err = %v, want %q", targets, err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("Select(%q): %v", targets, err)
	}
	var got []string
	for a := range sel {
		got = append(got, a)
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Select(%q) = %v, want %v", targets, got, want)
	}
}

func TestGraphDOT(t *testing.T) {
	g := testGraph(t)
	dot := g.DOT()
	for _, want := range []string{
		"digraph mlform {",
		`"dataset.churn" [label = "dataset.churn\nstorage = default"];`,
		`"dataset.churn" -> "model.churn";`,
		`"dataset.extra" -> "model.churn";`,
		`"model.churn" -> "promotion.prod";`,
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot)
		}
	}
	if dot != g.DOT() {
		t.Error("DOT is not deterministic")
	}
}

// TestUnknownTargetInFleet: an undeclared target in a fleet of a thousand
// instances lists a few addresses and says how many more there are, not
// every object of the configuration.
func TestUnknownTargetInFleet(t *testing.T) {
	var nodes []*Node
	for i := 0; i < 1000; i++ {
		nodes = append(nodes, &Node{Addr: fmt.Sprintf(`model.module.r["k%d"].m`, i)})
	}
	g, err := NewGraph(nodes)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Select([]string{`module.r["nokey"]`})
	if err == nil {
		t.Fatal("Select of an undeclared module instance succeeded")
	}
	msg := err.Error()
	if !strings.HasSuffix(msg, `.m and 980 more: mlform graph lists them all)`) || strings.Count(msg, "model.module.r") != 20 {
		t.Errorf("error is %d bytes: %.300s…", len(msg), msg)
	}
}
