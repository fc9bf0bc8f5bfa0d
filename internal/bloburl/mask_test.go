package bloburl

import (
	"bytes"
	"testing"
)

func TestMaskSecrets(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`url = "s3://bucket/data?secret=hunter2"`, `url = "s3://bucket/data?secret=*******"`},
		{`url = "s3://b?region=eu&token=abc&endpoint=http://h:9000"`, `url = "s3://b?region=eu&token=***&endpoint=http://h:9000"`},
		{`url = "https://user:pa55@host/x"`, `url = "https://user:****@host/x"`},
		{`url = "https://TOKEN@host/x"`, `url = "https://*****@host/x"`},
		{`u = "azblob://c?domain=h;sas_token=s3cr3t#x"`, `u = "azblob://c?domain=h;sas_token=******#x"`},
		{`u = "https://h/x#access_token=t0k&state=1"`, `u = "https://h/x#access_token=***&state=1"`},
		// A value that cannot be unescaped cannot be checked.
		{`u = "s3://b?x=%zz1"`, `u = "s3://b?x=****"`},
		// A URL in a value, with a secret of its own.
		{`u = "s3://b?endpoint=http%3A%2F%2Fu%3Apw%40h"`, `u = "s3://b?endpoint=***********************"`},
		// Sentence punctuation is not the URL's; two URLs on a line.
		{`a "s3://b?key=k", "gs://c?sig=zz".`, `a "s3://b?key=*", "gs://c?sig=**".`},
		// Nothing to mask.
		{`url = "s3://b/p/?region=eu"`, `url = "s3://b/p/?region=eu"`},
		{`source = "data"`, `source = "data"`},
		{`"s3://b?token="`, `"s3://b?token="`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			in := []byte(tt.in)
			got, changed := MaskSecrets(in)
			if string(got) != tt.want {
				t.Errorf("MaskSecrets(%s)\n got %s\nwant %s", tt.in, got, tt.want)
			}
			if changed != (tt.in != tt.want) {
				t.Errorf("changed = %v", changed)
			}
			if string(in) != tt.in {
				t.Errorf("the input was modified: %s", in)
			}
		})
	}
}

// FuzzMaskSecrets: masking keeps every byte position (a snippet's
// highlight stays where it was), only ever writes '*', and is idempotent.
func FuzzMaskSecrets(f *testing.F) {
	for _, s := range []string{"s3://b?secret=x", "https://u:p@h/#token=1", `"gs://c?sig=%zz;a=b", s3://`, "a://@@?&;=#="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		orig := bytes.Clone(src)
		out, changed := MaskSecrets(src)
		if !bytes.Equal(src, orig) {
			t.Fatal("the input was modified")
		}
		if len(out) != len(src) {
			t.Fatalf("length %d, want %d", len(out), len(src))
		}
		diff := false
		for i := range out {
			if out[i] != src[i] {
				diff = true
				if out[i] != '*' {
					t.Fatalf("byte %d became %q", i, out[i])
				}
			}
		}
		if changed && !diff && !bytes.Contains(src, []byte("*")) {
			t.Fatal("reported a change and changed nothing")
		}
		if again, _ := MaskSecrets(out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", src, out, again)
		}
	})
}
