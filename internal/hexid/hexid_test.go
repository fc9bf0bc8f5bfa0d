package hexid

import "testing"

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
