package syntax

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// DuplicateKeys finds object constructors that give one literal key twice
// (`params = { lr = 0.1, lr = 0.01 }`): HCL keeps the last value and says
// nothing, so a param written twice by mistake silently lost one of its
// values. Keys computed from expressions are not compared (their values
// are known only at evaluation).
func DuplicateKeys(body *hclsyntax.Body) hcl.Diagnostics { return DuplicateKeysIn(body) }

// DuplicateKeysIn is DuplicateKeys for any node: a variables file's value
// or a -var value (config/vars), where a map written with one key twice
// lost a value the same way.
func DuplicateKeysIn(node hclsyntax.Node) hcl.Diagnostics {
	var diags hcl.Diagnostics
	_ = hclsyntax.VisitAll(node, func(n hclsyntax.Node) hcl.Diagnostics {
		obj, ok := n.(*hclsyntax.ObjectConsExpr)
		if !ok {
			return nil
		}
		seen := map[string]hcl.Range{}
		for _, item := range obj.Items {
			key, ok := literalKey(item.KeyExpr)
			if !ok {
				continue
			}
			r := item.KeyExpr.Range()
			if first, dup := seen[key]; dup {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate object key",
					Detail:   fmt.Sprintf("The key %q was already given at %s; an object holds each key once (HCL would keep only the last value).", key, RangeString(first)),
					Subject:  &r,
				})
				continue
			}
			seen[key] = r
		}
		return nil
	})
	return diags
}

// literalKey is an object key written as a bare name or a quoted string
// without interpolation.
func literalKey(e hclsyntax.Expression) (string, bool) {
	if k, ok := e.(*hclsyntax.ObjectConsKeyExpr); ok {
		if k.ForceNonLiteral {
			return "", false
		}
		if name := hcl.ExprAsKeyword(k.Wrapped); name != "" {
			return name, true
		}
		e = k.Wrapped
	}
	if t, ok := e.(*hclsyntax.TemplateExpr); ok && t.IsStringLiteral() {
		v, diags := t.Value(nil)
		if !diags.HasErrors() && v.IsKnown() && !v.IsNull() {
			return v.AsString(), true
		}
	}
	return "", false
}
