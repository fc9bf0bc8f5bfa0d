package lang

import "testing"

func TestJSONDepth(t *testing.T) {
	for _, tc := range []struct {
		src       string
		limit     int
		depth, at int
	}{
		{`1`, 3, 0, -1},
		{`[1, {"a": [2]}]`, 3, 3, -1},
		{`[[[[1]]]]`, 3, 4, 3},
		{`["[[[[", {"k": "]]}"}]`, 2, 2, -1}, // brackets in strings do not count
		{`["\"[[[["]`, 1, 1, -1},             // nor after an escaped quote
		{`[[], [[]], []]`, 3, 3, -1},
		{`[[], [[]], []]`, 2, 3, 6},
	} {
		depth, at := JSONDepth([]byte(tc.src), tc.limit)
		if depth != tc.depth || at != tc.at {
			t.Errorf("JSONDepth(%s, %d) = %d, %d; want %d, %d", tc.src, tc.limit, depth, at, tc.depth, tc.at)
		}
		err := CheckJSONNesting([]byte(tc.src))
		if (err != nil) != (tc.depth > MaxNesting) {
			t.Errorf("CheckJSONNesting(%s) = %v", tc.src, err)
		}
	}
}
