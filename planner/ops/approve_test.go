package ops

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mlform/mlform/config"
	"github.com/mlform/mlform/internal/wanterr"
	"github.com/mlform/mlform/state"
)

func TestApprove(t *testing.T) {
	at := time.Date(2026, 1, 5, 13, 0, 0, 0, time.UTC)
	cfg := &config.Config{Promotions: map[string]*config.Promotion{
		"staging": {Name: "staging", Model: "m", Alias: "staging"},
		"prod":    {Name: "prod", Model: "m", Alias: "production", From: "staging", Approval: true},
	}}
	newState := func() *state.State {
		st := state.New()
		m := st.EnsureModel("m")
		m.Versions = []*state.Version{{Version: 1, Status: state.StatusSucceeded}, {Version: 2, Status: state.StatusFailed}, {Version: 3, Status: state.StatusSucceeded}}
		m.NextVersion = 4
		m.Aliases["staging"] = &state.Alias{Name: "staging", Version: 3}
		m.Aliases["production"] = &state.Alias{Name: "production", Version: 1}
		return st
	}
	tests := []struct {
		name, promotion, version string
		wantErr                  string
		wantCandidate            int
	}{
		{name: "the candidate", promotion: "promotion.prod", version: "v3", wantCandidate: 3},
		{name: "bare name and number", promotion: "prod", version: "3", wantCandidate: 3},
		{name: "not asking for approval", promotion: "promotion.staging", version: "v3", wantErr: "the promotion does not ask for approval"},
		{name: "undeclared", promotion: "promotion.nope", version: "v3", wantErr: "promotion.nope is not declared (promotions: promotion.prod, promotion.staging)"},
		{name: "misspelt", promotion: "promotion.prd", version: "v3", wantErr: "promotion.prd is not declared; did you mean promotion.prod? (promotions: promotion.prod, promotion.staging)"},
		{name: "a model", promotion: "model.m", version: "v3", wantErr: "approve: model.m is a model; approve one of its promotions: mlform approve promotion.NAME v3 (promotions of model.m: promotion.prod, promotion.staging)"},
		{name: "a model with no promotion", promotion: "model.other", version: "v3", wantErr: "(promotions of model.other: none)"},
		{name: "no such version", promotion: "prod", version: "v9", wantErr: "model.m has no version 9"},
		{name: "failed version", promotion: "prod", version: "v2", wantErr: "v2 failed; only a succeeded version can be promoted"},
		{name: "already there", promotion: "prod", version: "v1", wantErr: "already points at v1"},
		{name: "bad version", promotion: "prod", version: "latest", wantErr: `version "latest": want a version such as v3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newState()
			got, err := Approve(st, cfg, ApproveRequest{Promotion: tt.promotion, Version: tt.version, By: "ann@host", At: at})
			if wanterr.Check(t, err, tt.wantErr) {
				if len(st.Models["m"].Approvals) != 0 {
					t.Fatal("a refused approval was recorded")
				}
				return
			}
			aps := st.Models["m"].Approvals
			if len(aps) != 1 || *aps[0] != (state.Approval{Promotion: "prod", Alias: "production", Version: 3, By: "ann@host", At: at}) || got.Candidate != tt.wantCandidate {
				t.Fatalf("approvals %+v, result %+v", aps, got)
			}
			if err := st.Validate(); err != nil {
				t.Fatalf("state after approval: %v", err)
			}
		})
	}
	if _, err := Approve(newState(), cfg, ApproveRequest{Promotion: "staging", Version: "v3", By: "x"}); !errors.Is(err, ErrNoApproval) {
		t.Fatalf("want ErrNoApproval, got %v", err)
	}
}

// Approving again what one already approved records nothing; another
// person's approval of the same version is recorded beside it.
func TestApproveTwice(t *testing.T) {
	at := time.Date(2026, 1, 5, 13, 0, 0, 0, time.UTC)
	cfg := &config.Config{Promotions: map[string]*config.Promotion{
		"prod": {Name: "prod", Model: "m", Alias: "production", Approval: true},
	}}
	st := state.New()
	m := st.EnsureModel("m")
	m.Versions = []*state.Version{{Version: 1, Status: state.StatusSucceeded}}
	m.NextVersion = 2
	tests := []struct {
		by          string
		wantAlready bool
		wantCount   int
	}{
		{"ann@host", false, 1},
		{"ann@host", true, 1},
		{"bob@host", false, 2},
		{"bob@host", true, 2},
	}
	for i, tt := range tests {
		got, err := Approve(st, cfg, ApproveRequest{Promotion: "prod", Version: "v1", By: tt.by, At: at.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Already != tt.wantAlready || len(m.Approvals) != tt.wantCount || got.Approval.By != tt.by {
			t.Fatalf("approval %d by %s: already %v, %d recorded (%+v); want %v, %d", i, tt.by, got.Already, len(m.Approvals), got.Approval, tt.wantAlready, tt.wantCount)
		}
		if tt.wantAlready && !got.Approval.At.Equal(at.Add(time.Duration(i-1)*time.Hour)) {
			t.Fatalf("approval %d: reported %v, want the first approval's time", i, got.Approval.At)
		}
	}
}

// TestApproveUndeclaredInFleet: the error for an undeclared promotion in
// a fleet lists a few of the declared ones, not every one.
func TestApproveUndeclaredInFleet(t *testing.T) {
	cfg := &config.Config{Promotions: map[string]*config.Promotion{}}
	for i := 0; i < 1000; i++ {
		n := fmt.Sprintf(`p["k%03d"]`, i)
		cfg.Promotions[n] = &config.Promotion{Name: n, Model: "m", Alias: "production", Approval: true}
	}
	_, err := Approve(state.New(), cfg, ApproveRequest{Promotion: "promotion.nope", Version: "v1"})
	wanterr.Check(t, err, `(promotions: promotion.p["k000"], promotion.p["k001"]`)
	if msg := err.Error(); !strings.HasSuffix(msg, `promotion.p["k019"] and 980 more)`) {
		t.Errorf("error = %.200s…%s", msg, msg[max(0, len(msg)-80):])
	}
}
