package hexid

import (
	"strings"
	"testing"
)

func TestIsLowerHex(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{"0123456789abcdef", true},
		{"af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262", true},
		{"ABCDEF", false},
		{"abcdeg", false},
		{"/", false},
		{":", false},
		{"`", false},
		{"0x12", false},
		{"12 ", false},
		{"\x00", false},
		{"\xb0", false}, // '0' with the high bit set
		{"\xe1", false}, // 'a' with the high bit set
		{"p", false},    // 'p'-64 == '0': masks must not alias
		{"q", false},
		{"!", false}, // '!'+64 == 'a'
	}
	for _, tt := range tests {
		if got := IsLowerHex(tt.in); got != tt.want {
			t.Errorf("IsLowerHex(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestIsLowerHexEveryByte checks all 256 bytes against the obvious
// definition.
func TestIsLowerHexEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := '0' <= c && c <= '9' || 'a' <= c && c <= 'f'
		if got := IsLowerHex(string([]byte{byte(c)})); got != want {
			t.Errorf("IsLowerHex(%#x) = %v, want %v", c, got, want)
		}
	}
}

func BenchmarkIsLowerHex(b *testing.B) {
	s := "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if !IsLowerHex(s) {
			b.Fatal("not hex")
		}
	}
}

func TestCheck(t *testing.T) {
	digest := "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
	tests := []struct {
		in      string
		wantErr string
	}{
		{digest, ""},
		{digest[:63], "invalid chunk id"},
		{digest + "0", "want 64 lowercase hex characters"},
		{"", "invalid chunk id"},
		{"AF" + digest[2:], "invalid chunk id"},
		{strings.Repeat("z", 1000), "zzz..."}, // shortened in the message
	}
	for _, tt := range tests {
		err := Check("chunk", tt.in)
		if Valid(tt.in) != (err == nil) {
			t.Errorf("Valid(%q) disagrees with Check: %v", tt.in, err)
		}
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Check(%q) = %v", tt.in, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Check(%q) = %v, want %q", tt.in, err, tt.wantErr)
		case err != nil && len(err.Error()) > 200:
			t.Errorf("Check error is %d bytes: the value was not shortened", len(err.Error()))
		}
	}
}
