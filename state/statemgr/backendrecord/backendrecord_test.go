package backendrecord

import "testing"

// FuzzDecode: a record file is untrusted; decoding it never panics, and an
// accepted record has a URL that is a backend URL. (Read is os.ReadFile
// and Decode; statemgr's tests read records from files.)
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"format_version":1,"url":"file://.mlform/state"}`))
	f.Add([]byte(`{"format_version":1,"url":"s3://b/x/?region=y","redacted":true}`))
	f.Add([]byte(`{"format_version":1,"url":"s3://b/x/?prefix=y"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := Decode(data)
		if err != nil {
			return
		}
		if rec == nil || rec.URL == "" {
			t.Fatalf("accepted %q as %+v", data, rec)
		}
		if _, err := New(rec.URL); err != nil {
			t.Fatalf("accepted record URL %q does not parse: %v", rec.URL, err)
		}
	})
}
