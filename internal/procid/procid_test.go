package procid

import (
	"fmt"
	"os/exec"
	"runtime"
	"testing"
)

func TestParseToken(t *testing.T) {
	self := Self()
	tests := []struct {
		in   string
		ok   bool
		want ParsedToken
	}{
		{"0a1b2c3d-42-123456", true, ParsedToken{"0a1b2c3d", 42, 123456}},
		{"0a1b2c3d-42-0", true, ParsedToken{"0a1b2c3d", 42, 0}},
		{self.Token(), true, ParsedToken{machineHash(self.Host, self.Boot), self.PID, self.Start}},
		{"0A1B2C3D-42-1", false, ParsedToken{}},  // upper case
		{"0a1b2c3-42-1", false, ParsedToken{}},   // short hash
		{"0a1b2c3d-042-1", false, ParsedToken{}}, // not canonical
		{"0a1b2c3d-0-1", false, ParsedToken{}},
		{"0a1b2c3d--1-1", false, ParsedToken{}},
		{"0a1b2c3d-42", false, ParsedToken{}},
		{"0a1b2c3d-42-1-x", false, ParsedToken{}},
		{"", false, ParsedToken{}},
	}
	for _, tt := range tests {
		got, ok := ParseToken(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseToken(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseStat(t *testing.T) {
	tail := " 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100"
	tests := []struct {
		name, in string
		want     uint64
		wantErr  bool
	}{
		{"plain", "42 (sh) S" + tail, 987654, false},
		{"name with parens and spaces", "42 (a) b (c) S" + tail, 987654, false},
		{"zombie", "42 (sh) Z" + tail, 0, true},
		{"truncated", "42 (sh) S 1 1", 0, true},
		{"no parens", "garbage", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatForTest(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseStat = %d, %v; want %d, err %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	self := Self()
	if got := self.Liveness(); got != Running {
		t.Errorf("Self().Liveness() = %s, want running", got)
	}
	if tok, _ := ParseToken(self.Token()); tok.Liveness() != Running {
		t.Errorf("own token: %s, want running", tok.Liveness())
	}
	other := self
	other.Host = self.Host + "-elsewhere"
	if got := other.Liveness(); got != Unknown {
		t.Errorf("another host: %s, want unknown", got)
	}
	if Boot() != "" {
		twin := self
		twin.Boot = "0123abcd-another-kernel"
		if got := twin.Liveness(); got != Unknown {
			t.Errorf("same host name, another kernel: %s, want unknown", got)
		}
		if tok, _ := ParseToken(twin.Token()); tok.Liveness() != Unknown {
			t.Errorf("token of same host name, another kernel: %s, want unknown", tok.Liveness())
		}
		legacy := self
		legacy.Boot = ""
		if tok, _ := ParseToken(legacy.Token()); tok.Liveness() != Running {
			t.Errorf("token without boot id (older versions): %s, want running", tok.Liveness())
		}
	}
	if runtime.GOOS == "linux" {
		if got := Check(self.PID, self.Start+1); got != Gone {
			t.Errorf("own pid with another start time: %s, want gone (pid reuse)", got)
		}
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true command:", err)
	}
	if got := Check(cmd.Process.Pid, 0); got != Gone {
		t.Errorf("exited and reaped child: %s, want gone", got)
	}
}

// FuzzParseToken: names come from directories and buckets anyone may
// write; an accepted one is exactly the canonical form of what it parsed
// to, so it can never name another process.
func FuzzParseToken(f *testing.F) {
	f.Add("0a1b2c3d-42-123456")
	f.Add(Self().Token())
	f.Add("0a1b2c3d-042-1")
	f.Fuzz(func(t *testing.T, s string) {
		tok, ok := ParseToken(s)
		if !ok {
			return
		}
		if back := fmt.Sprintf("%s-%d-%d", tok.HostHash, tok.PID, tok.Start); back != s {
			t.Fatalf("ParseToken(%q) = %+v, which prints as %q", s, tok, back)
		}
		if tok.PID <= 0 {
			t.Fatalf("ParseToken(%q): pid %d", s, tok.PID)
		}
	})
}
