package engine

import "testing"

func TestClaim(t *testing.T) {
	ws := &Workspace{}
	release, ok := ws.Claim("job")
	if !ok || !ws.Claimed("job") {
		t.Fatal("a free key was not claimed")
	}
	if _, ok := ws.Claim("job"); ok {
		t.Error("a held key was claimed twice")
	}
	if _, ok := ws.Claim("other"); !ok {
		t.Error("another key was refused")
	}
	release()
	if ws.Claimed("job") {
		t.Error("a released key is still claimed")
	}
	if _, ok := ws.Claim("job"); !ok {
		t.Error("a released key cannot be claimed again")
	}
}
