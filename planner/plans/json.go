package plans

import "time"

// JSONFormatVersion is the version of the `plan -json` document
// (docs/plan-json.md). Minor versions only add fields: 1.1 added the
// forget kind (retention).
const JSONFormatVersion = "1.2"

// The types below are the public `plan -json` document (docs/plan-json.md),
// made from a Plan by NewJSON. Where the plan model's own type already
// encodes as the document says (Move, Reason, PathChange, PublishChange),
// the document uses it, so the two cannot drift apart; the golden files
// in planner/render/testdata pin that encoding. The others are apart from
// the Plan structs on purpose: the document always carries every field
// (the plan file omits empty ones), names an action's object "address",
// adds the headline, and never carries observations or sensitive values.

// JSONPlan is part of the plan -json document (docs/plan-json.md).
type JSONPlan struct {
	FormatVersion string         `json:"format_version"`
	MLFormVersion string         `json:"mlform_version,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	Lineage       string         `json:"lineage"`
	Serial        uint64         `json:"serial"`
	ConfigDigest  string         `json:"config_digest"`
	Refreshed     bool           `json:"refreshed"`
	Targets       []string       `json:"targets"`
	Replace       []string       `json:"replace"`
	Changes       bool           `json:"changes"`
	Summary       map[string]int `json:"summary"`
	// Moves are the moved blocks' state migrations (planner/plans/moves.go).
	Moves   []Move       `json:"moves"`
	Actions []JSONAction `json:"actions"`
	Notes   []JSONNote   `json:"notes"`
	Outputs []JSONOutput `json:"outputs"`
}

// JSONAction is part of the plan -json document (docs/plan-json.md).
type JSONAction struct {
	Address   string         `json:"address"`
	Kind      string         `json:"kind"`
	Headline  string         `json:"headline"`
	Reasons   []Reason       `json:"reasons"`
	DependsOn []string       `json:"depends_on"`
	Snapshot  *JSONSnapshot  `json:"snapshot,omitempty"`
	Train     *JSONTrain     `json:"train,omitempty"`
	Evaluate  *JSONEvaluate  `json:"evaluate,omitempty"`
	Promote   *JSONPromote   `json:"promote,omitempty"`
	Publish   *PublishChange `json:"publish,omitempty"`
	Forget    *JSONForget    `json:"forget,omitempty"`
}

// JSONForget is a forget action: exactly one of dataset+snapshot or
// model+version is set.
type JSONForget struct {
	Dataset   string    `json:"dataset,omitempty"`
	Snapshot  string    `json:"snapshot,omitempty"`
	Model     string    `json:"model,omitempty"`
	Version   int       `json:"version,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Bytes     int64     `json:"bytes"`
}

// JSONSnapshot is part of the plan -json document (docs/plan-json.md).
type JSONSnapshot struct {
	Dataset      string       `json:"dataset"`
	Source       string       `json:"source"`
	Store        string       `json:"store"`
	OldID        string       `json:"old_id"`
	NewID        string       `json:"new_id"`
	Files        int          `json:"files"`
	Bytes        int64        `json:"bytes"`
	DiffKnown    bool         `json:"diff_known"`
	Added        int          `json:"added"`
	Changed      int          `json:"changed"`
	Removed      int          `json:"removed"`
	AddedBytes   int64        `json:"added_bytes"`
	ChangedBytes int64        `json:"changed_bytes"`
	RemovedBytes int64        `json:"removed_bytes"`
	Paths        []PathChange `json:"paths"`
}

// JSONTrain is part of the plan -json document (docs/plan-json.md).
type JSONTrain struct {
	Model        string            `json:"model"`
	Version      int               `json:"version"`
	Previous     int               `json:"previous"`
	InputsDigest string            `json:"inputs_digest"`
	Snapshots    map[string]string `json:"snapshots"`
	ParamChanges []JSONChange      `json:"param_changes"`
	// Collect: the attempt already runs on a batch executor; apply
	// re-attaches to its job (docs/plan-json.md).
	Collect bool `json:"collect,omitempty"`
}

// JSONChange is part of the plan -json document (docs/plan-json.md).
// Old and New are absent for an added and a removed param, and null for a
// param set to (or from) null.
type JSONChange struct {
	Path      string `json:"path"`
	Old       *any   `json:"old,omitempty"`
	New       *any   `json:"new,omitempty"`
	Sensitive bool   `json:"sensitive"`
}

// JSONEvaluate is part of the plan -json document (docs/plan-json.md).
type JSONEvaluate struct {
	Model     string            `json:"model"`
	Version   int               `json:"version"`
	Snapshots map[string]string `json:"snapshots"`
}

// JSONPromote is part of the plan -json document (docs/plan-json.md).
type JSONPromote struct {
	Promotion       string `json:"promotion"`
	Model           string `json:"model"`
	Alias           string `json:"alias"`
	From            int    `json:"from"`
	To              int    `json:"to"`
	KnownAfterApply bool   `json:"known_after_apply"`
	Gates           int    `json:"gates"`
	MustBeat        string `json:"must_beat"`
	Pinned          bool   `json:"pinned"`
}

// JSONNote is part of the plan -json document (docs/plan-json.md).
type JSONNote struct {
	Address string     `json:"address"`
	Code    string     `json:"code"`
	Message string     `json:"message"`
	DueAt   *time.Time `json:"due_at"`
}

// JSONOutput is part of the plan -json document (docs/plan-json.md).
type JSONOutput struct {
	Name      string `json:"name"`
	Sensitive bool   `json:"sensitive"`
	Known     bool   `json:"known"`
	Value     any    `json:"value,omitempty"`
}

// NewJSON makes the documented, versioned plan -json document of p.
// headline gives each action's one-line text (planner/render.Headline), so
// the document and the human view say the same thing. Sensitive values and
// observations never reach it. The document shares p's reasons, paths and
// publish details (it is made to be encoded): change neither afterwards.
func NewJSON(p *Plan, headline func(*Action) string) *JSONPlan {
	doc := &JSONPlan{
		FormatVersion: JSONFormatVersion,
		MLFormVersion: p.MLFormVersion,
		CreatedAt:     p.CreatedAt.UTC(),
		Lineage:       p.Lineage,
		Serial:        p.Serial,
		ConfigDigest:  p.ConfigDigest,
		Refreshed:     p.Refreshed,
		Targets:       nonNil(p.Targets),
		Replace:       nonNil(p.Replace),
		Changes:       p.HasChanges(),
		Summary:       map[string]int{},
		Moves:         []Move{},
		Actions:       []JSONAction{},
		Notes:         []JSONNote{},
		Outputs:       []JSONOutput{},
	}
	for k := range knownKinds {
		doc.Summary[k] = 0
	}
	for k, n := range p.Counts() {
		doc.Summary[k] = n
	}
	for _, m := range p.Moves {
		doc.Moves = append(doc.Moves, *m)
	}
	for _, a := range p.Actions {
		doc.Actions = append(doc.Actions, jsonActionOf(a, headline))
	}
	for _, n := range p.Notes {
		jn := JSONNote{Address: n.Addr, Code: string(n.Code), Message: n.Message}
		if !n.DueAt.IsZero() {
			t := n.DueAt.UTC()
			jn.DueAt = &t
		}
		doc.Notes = append(doc.Notes, jn)
	}
	for _, o := range p.Outputs {
		jo := JSONOutput{Name: o.Name, Sensitive: o.Sensitive, Known: o.Known}
		if o.Known && !o.Sensitive {
			jo.Value = o.Value
		}
		doc.Outputs = append(doc.Outputs, jo)
	}
	return doc
}

func jsonActionOf(a *Action, headline func(*Action) string) JSONAction {
	ja := JSONAction{Address: a.Addr, Kind: a.Kind, Headline: headline(a), Reasons: nonNil(a.Reasons), DependsOn: nonNil(a.DependsOn),
		Publish: a.Publish}
	if s := a.Snapshot; s != nil {
		ja.Snapshot = &JSONSnapshot{Dataset: s.Dataset, Source: s.Source, Store: s.Store, OldID: s.OldID, NewID: s.NewID,
			Files: s.Files, Bytes: s.Bytes, DiffKnown: s.DiffKnown, Added: s.Added, Changed: s.Changed, Removed: s.Removed,
			AddedBytes: s.AddedBytes, ChangedBytes: s.ChangedBytes, RemovedBytes: s.RemovedBytes, Paths: nonNil(s.Paths)}
	}
	if t := a.Train; t != nil {
		jt := &JSONTrain{Model: t.Model, Version: t.Version, Previous: t.Previous, InputsDigest: t.InputsDigest,
			Snapshots: nonNilMap(t.Snapshots), ParamChanges: []JSONChange{}, Collect: t.Collect}
		for _, c := range t.ParamChanges {
			jc := JSONChange{Path: c.Path, Sensitive: c.Sensitive}
			if !c.Sensitive {
				if c.HasOld() {
					jc.Old = &c.Old
				}
				if c.HasNew() {
					jc.New = &c.New
				}
			}
			jt.ParamChanges = append(jt.ParamChanges, jc)
		}
		ja.Train = jt
	}
	if e := a.Evaluate; e != nil {
		ja.Evaluate = &JSONEvaluate{Model: e.Model, Version: e.Version, Snapshots: nonNilMap(e.Snapshots)}
	}
	if p := a.Promote; p != nil {
		ja.Promote = &JSONPromote{Promotion: p.Promotion, Model: p.Model, Alias: p.Alias, From: p.From, To: p.To,
			KnownAfterApply: p.KnownAfterApply, Gates: p.Gates, MustBeat: p.MustBeat, Pinned: p.Pinned}
	}
	if f := a.Forget; f != nil {
		ja.Forget = &JSONForget{Dataset: f.Dataset, Snapshot: f.Snapshot, Model: f.Model, Version: f.Version, CreatedAt: f.CreatedAt.UTC(), Bytes: f.Bytes}
	}
	return ja
}

// nonNil makes a nil list an empty one: the document writes [], never null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
