package procid

import "testing"

func TestNsInode(t *testing.T) {
	tests := []struct{ link, want string }{
		{"pid:[4026532291]", "4026532291"},
		{"pid:[4026531836]", ""}, // the initial namespace
		{"pid:[]", ""},
		{"pid:[12a]", ""},
		{"net:[4026532291]", ""},
		{"4026532291]", ""}, // no "pid:[" prefix
		{"pid:[4026532291", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := nsInode(tc.link); got != tc.want {
			t.Errorf("nsInode(%q) = %q, want %q", tc.link, got, tc.want)
		}
	}
}
