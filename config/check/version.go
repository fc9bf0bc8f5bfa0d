package check

import (
	"fmt"
	"strconv"
	"strings"
)

// VersionError is a required_version problem, worded for a diagnostic.
type VersionError struct {
	Summary, Detail string
}

func (e *VersionError) Error() string { return e.Summary + ": " + e.Detail }

// RequiredVersion checks a constraint such as ">= 0.1, < 2" or
// "~> 0.1" against the running version ("" only checks the syntax).
func RequiredVersion(constraint, running string) *VersionError {
	cs, err := parseConstraints(constraint)
	if err != nil {
		return &VersionError{"Invalid required_version", fmt.Sprintf("%v. Write constraints like \">= 0.1\", \"~> 0.1\" or \">= 0.1, < 2\".", err)}
	}
	if running == "" {
		return nil
	}
	v, err := parseVersion(running)
	if err != nil {
		return &VersionError{"Invalid mlform version", fmt.Sprintf("The running mlform reports version %q, which cannot be compared: %v.", running, err)}
	}
	for _, c := range cs {
		if !c.allows(v) {
			return &VersionError{"Unsupported mlform version", fmt.Sprintf("This configuration requires mlform %s, but this is mlform %s. Use a matching mlform or change required_version.", constraint, running)}
		}
	}
	return nil
}

type version []int

// parseVersion reads "1", "1.2" or "1.2.3", ignoring a "v" prefix and a
// pre-release or build suffix.
func parseVersion(s string) (version, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if s == "" || len(parts) > 3 {
		return nil, fmt.Errorf("%q is not a version (want MAJOR[.MINOR[.PATCH]])", s)
	}
	v := make(version, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (len(p) > 1 && p[0] == '+') {
			return nil, fmt.Errorf("%q is not a version (want MAJOR[.MINOR[.PATCH]])", s)
		}
		v[i] = n
	}
	return v, nil
}

// compare compares a and b padded with zeros: -1, 0 or 1.
func compare(a, b version) int {
	for i := 0; i < 3; i++ {
		x, y := at(a, i), at(b, i)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

func at(v version, i int) int {
	if i < len(v) {
		return v[i]
	}
	return 0
}

type constraint struct {
	op string
	v  version
}

func parseConstraints(s string) ([]constraint, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("the constraint is empty")
	}
	var out []constraint
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		op := "="
		for _, candidate := range []string{">=", "<=", "!=", "~>", ">", "<", "="} {
			if strings.HasPrefix(part, candidate) {
				op, part = candidate, strings.TrimSpace(part[len(candidate):])
				break
			}
		}
		v, err := parseVersion(part)
		if err != nil {
			return nil, fmt.Errorf("in %q: %v", s, err)
		}
		out = append(out, constraint{op: op, v: v})
	}
	return out, nil
}

func (c constraint) allows(v version) bool {
	cmp := compare(v, c.v)
	switch c.op {
	case "=":
		return cmp == 0
	case "!=":
		return cmp != 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case "~>":
		// ~> 1.2 allows >= 1.2, < 2.0; ~> 1.2.3 allows >= 1.2.3, < 1.3.0.
		if cmp < 0 {
			return false
		}
		upper := append(version(nil), c.v...)
		if len(upper) == 1 {
			upper[0]++
			return compare(v, upper) < 0
		}
		upper = upper[:len(upper)-1]
		upper[len(upper)-1]++
		return compare(v, upper) < 0
	}
	return false
}
