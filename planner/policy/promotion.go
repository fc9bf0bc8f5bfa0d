package policy

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/mlform/mlform/internal/objname"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// Promotion outcomes.
const (
	// PromoteNone: the alias stays where it is and nothing is pending.
	PromoteNone = "none"
	// PromoteMove: the alias moves to To.
	PromoteMove = "promote"
	// PromoteHeld: the candidate To failed a gate or must_beat; the alias
	// stays at From.
	PromoteHeld = "held"
	// PromotePending: this plan trains the candidate; gates are evaluated
	// after it is trained ("known after apply").
	PromotePending = "pending"
	// PromoteAwaiting: the candidate passes, but the promotion needs an
	// approval (`approval = true`) that the version does not have yet.
	PromoteAwaiting = "awaiting_approval"
)

// Must-beat directions.
const (
	Higher = "higher"
	Lower  = "lower"
)

// Gate is one promotion gate: a condition over candidate and champion
// metrics (the config engineer's EvalGate, wrapped by the planner).
type Gate struct {
	ErrorMessage string
	Eval         func(candidate, champion map[string]float64) (bool, error)
}

// exactDelta is how much better candidate c is than champion p (c - p,
// or p - c when lower is better), computed exactly on the numbers as
// written. A float64 subtraction rounds (0.5 - 0.45 is
// 0.04999999999999999), so a candidate better by exactly min_delta as
// written would be held by the last bit; and a relative slack instead
// lets a large metric pass short of min_delta (1e12+0.5 against 1e12
// with min_delta = 1).
func exactDelta(c, p float64, lower bool) *big.Rat {
	d := new(big.Rat).Sub(asWritten(c), asWritten(p))
	if lower {
		d.Neg(d)
	}
	return d
}

// asWritten is f as the shortest decimal that reads back as f (what a
// trainer or a config wrote: 0.45, not 0.450000000000000011102...),
// exactly. Metrics and min_delta are finite (metrics.json and the config
// refuse NaN and infinities).
func asWritten(f float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok {
		return new(big.Rat)
	}
	return r
}

// MustBeat requires the candidate to beat the champion on Metric by at
// least MinDelta in Direction (Higher or Lower).
type MustBeat struct {
	Metric    string
	Direction string
	MinDelta  float64
	// ScoredOn names the promotion's evaluate_on datasets, which both
	// versions are scored on (empty: the candidate's training data).
	ScoredOn []string
}

// Condition is what a plan says the candidate must do: "beats v1 on
// accuracy", with a min_delta "beats v1 on accuracy by at least 0.01"
// and with evaluate_on "... (both scored on dataset.holdout)": a
// reviewer must not be told any improvement will do, or that the
// numbers come from the training data when they do not.
func (mb *MustBeat) Condition(champ int) string {
	s := fmt.Sprintf("beats v%d on %s", champ, mb.Metric)
	if mb.MinDelta > 0 {
		s += " by at least " + num(mb.MinDelta)
	}
	if len(mb.ScoredOn) > 0 {
		named := make([]string, len(mb.ScoredOn))
		for i, ds := range mb.ScoredOn {
			named[i] = "dataset." + ds
		}
		s += " (both scored on " + strings.Join(named, ", ") + ")"
	}
	return s
}

// PromotionInput is everything DecidePromotion looks at.
type PromotionInput struct {
	Promotion string
	Model     string
	Alias     string
	// Current is the alias's version now (0: the alias does not exist).
	Current int
	// Pinned is the promotion's `version = N` (0: not pinned).
	Pinned   int
	Versions []*state.Version
	// PlannedVersion is the version this plan trains (0: no train
	// planned): the candidate is then known only after apply.
	PlannedVersion int
	Gates          []Gate
	MustBeat       *MustBeat
	// ChampionMetrics overrides the champion's recorded metrics (e.g.
	// with its evaluation on the current data); nil uses the recorded ones.
	ChampionMetrics map[string]float64
	// CandidateMetrics overrides the candidate's recorded (train-step)
	// metrics with its evaluation on the same data as the champion's;
	// nil uses the recorded ones.
	CandidateMetrics map[string]float64
	// Yardstick says what the compared numbers are ("evaluate step on
	// v3's training data"); it labels must_beat's numbers ("" for none).
	Yardstick string
	// Candidate is the version to promote (0: the latest succeeded
	// version). A promotion with `from` takes the version of another
	// alias.
	Candidate int
	// Source names where the candidate comes from when Candidate is set
	// ("alias staging"), for notes.
	Source string
	// Approval is set when the promotion needs a person's approval: a
	// passing candidate is then AwaitingApproval until Approved says the
	// candidate version was approved.
	Approval bool
	// Approved is the approval of the candidate version ("" when none):
	// who and when, as it reads in reasons.
	Approved string
}

// PromotionDecision is DecidePromotion's answer.
type PromotionDecision struct {
	Outcome string
	// From is the alias's version now; To the version it moves (or
	// would move) to, 0 when pending.
	From, To int
	Pinned   bool
	Reasons  []Reason
	// Failures holds each failing gate's message when held.
	Failures []string
	// Note explains an Outcome of none ("no succeeded version to
	// promote"); "" when the alias is simply up to date.
	Note string
}

// DecidePromotion says where the alias goes. A pin (`version = N`) moves
// the alias to N, a succeeded version, without gates: the pin is the
// reviewed decision (that is what makes a rollback one line). Otherwise
// the candidate is the latest succeeded version, or the one this plan
// trains; it moves the alias if every gate holds and it beats the
// champion (the alias's current version) as must_beat says. A gate that
// cannot be evaluated holds the alias: promotion fails safe.
func DecidePromotion(in PromotionInput) (PromotionDecision, error) {
	d := PromotionDecision{Outcome: PromoteNone, From: in.Current}
	addr := "promotion." + in.Promotion
	if in.Pinned < 0 {
		return d, fmt.Errorf("%s: version = %d: versions start at 1", addr, in.Pinned)
	}
	if in.Pinned > 0 {
		return decidePinned(in, d)
	}
	if in.PlannedVersion > 0 {
		d.Outcome = PromotePending
		d.Reasons = []Reason{{ReasonCandidate, pendingMessage(in)}}
		return d, nil
	}
	cand, note := candidateVersion(in)
	if cand == nil {
		d.Note = note
		return d, nil
	}
	if cand.Version == in.Current {
		return d, nil
	}
	d.To = cand.Version
	champ := findVersion(in.Versions, in.Current)
	var champMetrics map[string]float64
	if champ != nil && champ.Status == state.StatusSucceeded {
		champMetrics = champ.Metrics
		if in.ChampionMetrics != nil {
			champMetrics = in.ChampionMetrics
		}
	} else {
		champ = nil
	}
	if champ != nil && cand.ArtifactsID != "" && cand.ArtifactsID == champ.ArtifactsID {
		// The same bytes: whatever its numbers say, the candidate cannot
		// be better than the version it would replace.
		d.Outcome = PromoteHeld
		d.Failures = []string{fmt.Sprintf("no better than v%d: its artifacts are identical", champ.Version)}
		d.Reasons = []Reason{{ReasonCandidate, fmt.Sprintf("v%d held: %s", cand.Version, d.Failures[0])}}
		return d, nil
	}
	candMetrics := cand.Metrics
	if in.CandidateMetrics != nil {
		candMetrics = in.CandidateMetrics
	}
	d.Failures = checkGates(in.Gates, candMetrics, champMetrics)
	var beat string
	if in.MustBeat != nil && champ != nil {
		var fail string
		beat, fail = checkMustBeat(*in.MustBeat, cand.Version, candMetrics, champ.Version, champMetrics, in.Yardstick)
		if fail != "" {
			d.Failures = append(d.Failures, fail)
		}
	} else if in.MustBeat != nil {
		// must_beat with nothing to beat: say so, not "has no gates".
		beat = "has no champion to beat on " + in.MustBeat.Metric
	}
	if len(d.Failures) > 0 {
		d.Outcome = PromoteHeld
		d.Reasons = []Reason{{ReasonCandidate, fmt.Sprintf("v%d held: %s", cand.Version, strings.Join(d.Failures, "; "))}}
		return d, nil
	}
	d.Outcome = PromoteMove
	msg := fmt.Sprintf("v%d %s", cand.Version, passesText(len(in.Gates), beat))
	if in.Source != "" {
		msg = fmt.Sprintf("v%d (from %s) %s", cand.Version, in.Source, passesText(len(in.Gates), beat))
	}
	if champ == nil {
		msg += fmt.Sprintf(" (alias %s is new)", in.Alias)
		if in.Current != 0 {
			msg = fmt.Sprintf("v%d %s (alias %s pointed at v%d, which is not a succeeded version)", cand.Version, passesText(len(in.Gates), ""), in.Alias, in.Current)
		}
	}
	if in.Approval {
		if in.Approved == "" {
			d.Outcome = PromoteAwaiting
			msg += fmt.Sprintf("; awaiting approval (mlform approve %s v%d)", objname.ShellArg("promotion."+in.Promotion), cand.Version)
		} else {
			msg += "; approved by " + in.Approved
		}
	}
	d.Reasons = []Reason{{ReasonCandidate, msg}}
	return d, nil
}

// candidateVersion is the version a promotion would move its alias to:
// the one named by Candidate (another alias's version), else the latest
// succeeded one. A nil version comes with the note saying why there is
// none.
func candidateVersion(in PromotionInput) (*state.Version, string) {
	if in.Source == "" && in.Candidate == 0 {
		if cand := latestSucceeded(in.Versions); cand != nil {
			return cand, ""
		}
		return nil, fmt.Sprintf("model.%s has no succeeded version to promote", in.Model)
	}
	if in.Candidate == 0 {
		return nil, fmt.Sprintf("%s of model.%s does not point at a version yet", in.Source, in.Model)
	}
	v := findVersion(in.Versions, in.Candidate)
	if v == nil || v.Status != state.StatusSucceeded {
		return nil, fmt.Sprintf("%s points at v%d, which is not a succeeded version", in.Source, in.Candidate)
	}
	return v, ""
}

// passesText says what a moving candidate passed: "passes 2 gates and
// beats v1 on accuracy (...)", "beats v1 ..." or, with nothing to pass,
// "has no gates".
func passesText(gates int, beat string) string {
	switch {
	case gates == 0 && beat == "":
		return "has no gates"
	case gates == 0:
		return beat
	case beat == "":
		return "passes " + plural(gates, "gate")
	}
	return "passes " + plural(gates, "gate") + " and " + beat
}

// decidePinned moves the alias to the pinned version.
func decidePinned(in PromotionInput, d PromotionDecision) (PromotionDecision, error) {
	addr := "promotion." + in.Promotion
	v := findVersion(in.Versions, in.Pinned)
	if v == nil {
		return d, fmt.Errorf("%s: version = %d: model.%s has no version %d (%s)", addr, in.Pinned, in.Model, in.Pinned, listSucceeded(in.Versions))
	}
	if v.Status != state.StatusSucceeded {
		return d, fmt.Errorf("%s: version = %d: v%d %s; only a succeeded version can be promoted (%s)",
			addr, in.Pinned, v.Version, strings.ReplaceAll(v.Status, "_", " "), listSucceeded(in.Versions))
	}
	d.Pinned = true
	if in.Current == in.Pinned {
		return d, nil
	}
	d.Outcome = PromoteMove
	d.To = in.Pinned
	msg := fmt.Sprintf("pinned by version = %d", in.Pinned)
	switch {
	case in.Current == 0:
	case in.Pinned < in.Current:
		msg += fmt.Sprintf(" (rollback from v%d)", in.Current)
	default:
		msg += fmt.Sprintf(" (from v%d)", in.Current)
	}
	d.Reasons = []Reason{{ReasonPinned, msg + "; gates do not apply to a pin"}}
	return d, nil
}

// pendingMessage explains a promotion decided after apply.
func pendingMessage(in PromotionInput) string {
	var conds []string
	if n := len(in.Gates); n > 0 {
		conds = append(conds, "passes "+plural(n, "gate"))
	}
	if in.MustBeat != nil && in.Current > 0 {
		conds = append(conds, in.MustBeat.Condition(in.Current))
	}
	// A promotion with approval = true holds even a passing candidate
	// until someone approves it: the alias does not move with this apply.
	approval := ""
	if in.Approval {
		approval = ", then waits for an approval"
	}
	if len(conds) == 0 {
		return fmt.Sprintf("alias %s moves to v%d once it is trained%s", in.Alias, in.PlannedVersion, approval)
	}
	return fmt.Sprintf("alias %s moves if v%d %s%s", in.Alias, in.PlannedVersion, strings.Join(conds, " and "), approval)
}

// checkGates returns the message of every gate that fails or cannot be
// evaluated.
func checkGates(gates []Gate, cand, champ map[string]float64) []string {
	var fails []string
	for i, g := range gates {
		ok, err := g.Eval(cand, champ)
		switch {
		case err != nil:
			// A diagnostic's detail ends with a full stop; the failures
			// are joined with "; ".
			fails = append(fails, fmt.Sprintf("gate %d could not be evaluated: %s", i+1, strings.TrimRight(err.Error(), ". ")))
		case !ok && g.ErrorMessage != "":
			// Terraform's convention ends an error_message with a full
			// stop; joined with "; " it would read "floor.; must_beat".
			fails = append(fails, strings.TrimSuffix(strings.TrimSpace(g.ErrorMessage), "."))
		case !ok:
			fails = append(fails, fmt.Sprintf("gate %d failed", i+1))
		}
	}
	return fails
}

// checkMustBeat compares candidate and champion on one metric. It returns
// a description when the candidate beats the champion, else a failure.
// yardstick labels the two numbers ("evaluate step on v3's data"): both
// are always shown, with what they measure.
func checkMustBeat(mb MustBeat, cand int, candMetrics map[string]float64, champ int, champMetrics map[string]float64, yardstick string) (beat, fail string) {
	c, ok := candMetrics[mb.Metric]
	if !ok {
		return "", fmt.Sprintf("must_beat: v%d reports no %s", cand, mb.Metric)
	}
	p, ok := champMetrics[mb.Metric]
	if !ok {
		return "", fmt.Sprintf("must_beat: champion v%d reports no %s to compare with", champ, mb.Metric)
	}
	word := "higher"
	if mb.Direction == Lower {
		word = "lower"
	}
	delta := exactDelta(c, p, mb.Direction == Lower)
	better := delta.Sign() > 0 && delta.Cmp(asWritten(mb.MinDelta)) >= 0
	cs, ps := numPair(c, p)
	if !better && delta.Sign() > 0 && mb.MinDelta > 0 {
		// Short forms could round the difference up to min_delta
		// ("0.45 vs 0.5, must be lower by at least 0.05"): show the
		// values as the trainer wrote them.
		cs, ps = strconv.FormatFloat(c, 'g', -1, 64), strconv.FormatFloat(p, 'g', -1, 64)
	}
	label := ""
	if yardstick != "" {
		label = ", " + yardstick
	}
	if better {
		return fmt.Sprintf("beats v%d on %s (%s vs %s%s)", champ, mb.Metric, cs, ps, label), ""
	}
	need := ""
	if mb.MinDelta > 0 {
		need = fmt.Sprintf(" by at least %s", num(mb.MinDelta))
	}
	if yardstick != "" {
		label = " (" + yardstick + ")"
	}
	return "", fmt.Sprintf("must_beat: %s of v%d is %s, v%d has %s%s; must be %s%s",
		mb.Metric, cand, cs, champ, ps, label, word, need)
}

// latestSucceeded returns the highest-numbered succeeded version.
func latestSucceeded(vs []*state.Version) *state.Version {
	var best *state.Version
	for _, v := range vs {
		if v != nil && v.Status == state.StatusSucceeded && (best == nil || v.Version > best.Version) {
			best = v
		}
	}
	return best
}

// LatestSucceeded returns a model's highest-numbered succeeded version,
// or nil.
func LatestSucceeded(m *state.Model) *state.Version {
	if m == nil {
		return nil
	}
	return latestSucceeded(m.Versions)
}

func findVersion(vs []*state.Version, n int) *state.Version {
	for _, v := range vs {
		if v != nil && v.Version == n {
			return v
		}
	}
	return nil
}

// listSucceeded names the versions that could be pinned.
func listSucceeded(vs []*state.Version) string {
	var ns []int
	for _, v := range vs {
		if v != nil && v.Status == state.StatusSucceeded {
			ns = append(ns, v.Version)
		}
	}
	if len(ns) == 0 {
		return "no succeeded versions yet"
	}
	sort.Ints(ns)
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprintf("v%d", n)
	}
	return "succeeded: " + strings.Join(parts, ", ")
}

func plural(n int, word string) string { return textfmt.Count(n, word) }
