package value

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mlform/mlform/internal/bloburl"
)

// URLDiag reports a URL check.BlobURL or check.Source refused, at rng.
func URLDiag(attr string, err error, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid URL",
		Detail:   fmt.Sprintf("%s: %v.", attr, err),
		Subject:  rng.Ptr(),
	}
}

// SensitiveURLDiag is URLDiag for a value derived from a sensitive
// variable: the error quotes the URL, so only what is wrong in general is
// said.
func SensitiveURLDiag(attr string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid URL",
		Detail: fmt.Sprintf("%s is not a path or a URL mlform can open (supported schemes: %s); it is derived from a sensitive value, so it is not shown.",
			attr, strings.Join(bloburl.Schemes(), ", ")),
		Subject: rng.Ptr(),
	}
}
