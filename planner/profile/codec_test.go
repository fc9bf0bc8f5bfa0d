package profile

import (
	"strings"
	"testing"

	"github.com/mlform/mlform/internal/roundtrip"
)

// encodeStable encodes p and decodes the encoding, failing t unless
// encoding the decoded profile gives the same bytes again: a stored
// profile must read back as the one that was written. It returns the
// encoding and the decoded profile.
func encodeStable(t testing.TB, p *Profile) ([]byte, *Profile) {
	t.Helper()
	enc, err := Encode(p)
	if err != nil {
		t.Fatalf("profile does not encode: %v", err)
	}
	q, err := Decode(enc)
	if err != nil {
		t.Fatalf("encoded profile does not decode: %v\n%s", err, enc)
	}
	if again, _ := Encode(q); string(again) != string(enc) {
		t.Fatal("decode+encode changed the bytes")
	}
	return enc, q
}

func TestEncodeRoundTripIsStable(t *testing.T) {
	p := mustCSV(t, normalCSV(5000, 0, 3), "a.csv", "x", "k")
	p.Merge(mustCSV(t, "x,k\n1,z\nNA,\n", "b.csv", "x", "k"))
	_, q := encodeStable(t, p)
	rep, _ := Drift(p, q, nil)
	if rep.MaxPSI != 0 || rep.MaxKS != 0 {
		t.Fatalf("a decoded profile drifts from its original: %+v", rep)
	}
}

// A column whose finite values sum past float64's range still encodes
// (the snapshot is not refused): its sum and mean are null, and stay
// unknown through decode and merge.
func TestEncodeUnknownSum(t *testing.T) {
	p := mustCSV(t, "x\n1.7e308\n1.7e308\n", "a.csv", "x")
	p.Merge(mustCSV(t, "x\n2\n", "b.csv", "x"))
	enc, q := encodeStable(t, p)
	if !strings.Contains(string(enc), `"sum":null,"mean":null`) {
		t.Fatalf("encoded %s, want a null sum and mean", enc)
	}
	if c := q.Column("x"); c.Sum.Known() || c.Mean.Known() || c.Numbers != 3 || c.Max != 1.7e308 {
		t.Fatalf("decoded column %+v", c)
	}
}

func TestDecodeRejects(t *testing.T) {
	col := func(fields string) string {
		return `{"format_version":1,"files":1,"rows":2,"columns":[{"name":"x","kind":"numeric","count":2,"nulls":0,"numbers":2,"min":1,"max":2,"sum":3,"mean":1.5,"sample_limit":18446744073709551615` + fields + `}]}`
	}
	good := col(`,"sample":[[1,1],[2,2]],"categories":{"1":1,"2":1}`)
	if _, err := Decode([]byte(good)); err != nil {
		t.Fatalf("valid profile rejected: %v", err)
	}
	tests := map[string]struct{ data, want string }{
		"not json":            {"{", "decode profile"},
		"future version":      {`{"format_version":2}`, "format_version 2 is not supported"},
		"unknown field":       {col(`,"extra":1`), "unknown field"},
		"unsorted sample":     {col(`,"sample":[[2,1],[1,2]]`), "not sorted"},
		"sample out of range": {col(`,"sample":[[1,9],[2,1]]`), "outside"},
		"oversized sample":    {col(`,"sample":[[1,1],[2,1],[3,2]]`), "sample of 3 points"},
		"missing points":      {col(`,"sample":[[1,1]]`), "claims to hold all"},
		"above the limit":     {strings.Replace(good, "18446744073709551615", "1", 1), "above the sample limit"},
		"counts":              {strings.Replace(good, `"nulls":0`, `"nulls":3`, 1), "do not add up"},
		"wrong kind":          {strings.Replace(good, `"kind":"numeric"`, `"kind":"categorical"`, 1), "does not match"},
		"category overflow":   {col(`,"sample":[[1,1],[2,2]],"categories":{"1":5}`), "exceed"},
		"negative category":   {col(`,"sample":[[1,1],[2,2]],"categories":{"1":-1}`), "count -1"},
		"duplicate column":    {`{"format_version":1,"columns":[{"name":"a","kind":"categorical"},{"name":"a","kind":"categorical"}]}`, "appears twice"},
		"bad point":           {col(`,"sample":[[1]]`), "want [hash, value]"},
		"trailing data":       {good + "{}", "after top-level value"},
		"sum without mean":    {strings.Replace(good, `"mean":1.5`, `"mean":null`, 1), "not both known"},
		"infinite min":        {strings.Replace(good, `"min":1`, `"min":1e999`, 1), "decode profile"},
	}
	for name, tt := range tests {
		_, err := Decode([]byte(tt.data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", name, err, tt.want)
		}
	}
}

func FuzzDecodeProfile(f *testing.F) {
	p := New([]string{"x"})
	p.Merge(mustCSV(f, "x\n1\n2\nfoo\n", "f.csv", "x"))
	enc, _ := Encode(p)
	f.Add(enc)
	f.Add([]byte(`{"format_version":1,"columns":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, ok := roundtrip.Check(t, "profile", data, Decode, Encode)
		if !ok {
			return
		}
		if len(p.Columns) > 0 {
			if _, err := Drift(p, p, nil); err != nil && !strings.Contains(err.Error(), "no values") {
				t.Fatalf("drift of a valid profile with itself: %v", err)
			}
		}
	})
}
