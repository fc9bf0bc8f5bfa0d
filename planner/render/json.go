package render

import (
	"io"
	"time"

	"github.com/mlform/mlform/planner"
)

// JSONFormatVersion is the version of the `plan -json` document
// (docs/plan-json.md). Minor versions only add fields: 1.1 added the
// forget kind (retention).
const JSONFormatVersion = "1.1"

// The types below are the public `-json` schema. They are separate from
// planner.Plan on purpose: the plan model may change, this document only
// grows, and it never carries observations or sensitive values.

type jsonPlan struct {
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
	Actions       []jsonAction   `json:"actions"`
	Notes         []jsonNote     `json:"notes"`
	Outputs       []jsonOutput   `json:"outputs"`
}

type jsonAction struct {
	Address   string        `json:"address"`
	Kind      string        `json:"kind"`
	Headline  string        `json:"headline"`
	Reasons   []jsonReason  `json:"reasons"`
	DependsOn []string      `json:"depends_on"`
	Snapshot  *jsonSnapshot `json:"snapshot,omitempty"`
	Train     *jsonTrain    `json:"train,omitempty"`
	Evaluate  *jsonEvaluate `json:"evaluate,omitempty"`
	Promote   *jsonPromote  `json:"promote,omitempty"`
	Publish   *jsonPublish  `json:"publish,omitempty"`
	Forget    *jsonForget   `json:"forget,omitempty"`
}

// jsonForget is a forget action: exactly one of dataset+snapshot or
// model+version is set.
type jsonForget struct {
	Dataset   string    `json:"dataset,omitempty"`
	Snapshot  string    `json:"snapshot,omitempty"`
	Model     string    `json:"model,omitempty"`
	Version   int       `json:"version,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Bytes     int64     `json:"bytes"`
}

type jsonReason struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

type jsonSnapshot struct {
	Dataset      string     `json:"dataset"`
	Source       string     `json:"source"`
	Store        string     `json:"store"`
	OldID        string     `json:"old_id"`
	NewID        string     `json:"new_id"`
	Files        int        `json:"files"`
	Bytes        int64      `json:"bytes"`
	DiffKnown    bool       `json:"diff_known"`
	Added        int        `json:"added"`
	Changed      int        `json:"changed"`
	Removed      int        `json:"removed"`
	AddedBytes   int64      `json:"added_bytes"`
	ChangedBytes int64      `json:"changed_bytes"`
	RemovedBytes int64      `json:"removed_bytes"`
	Paths        []jsonPath `json:"paths"`
}

type jsonPath struct {
	Path   string `json:"path"`
	Change string `json:"change"`
	Delta  int64  `json:"delta"`
}

type jsonTrain struct {
	Model        string            `json:"model"`
	Version      int               `json:"version"`
	Previous     int               `json:"previous"`
	InputsDigest string            `json:"inputs_digest"`
	Snapshots    map[string]string `json:"snapshots"`
	ParamChanges []jsonChange      `json:"param_changes"`
}

type jsonChange struct {
	Path      string `json:"path"`
	Old       any    `json:"old,omitempty"`
	New       any    `json:"new,omitempty"`
	Sensitive bool   `json:"sensitive"`
}

type jsonEvaluate struct {
	Model     string            `json:"model"`
	Version   int               `json:"version"`
	Snapshots map[string]string `json:"snapshots"`
}

type jsonPromote struct {
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

type jsonPublish struct {
	Promotion string `json:"promotion"`
	Model     string `json:"model"`
	URL       string `json:"url"`
	Version   int    `json:"version"`
}

type jsonNote struct {
	Address string     `json:"address"`
	Code    string     `json:"code"`
	Message string     `json:"message"`
	DueAt   *time.Time `json:"due_at"`
}

type jsonOutput struct {
	Name      string `json:"name"`
	Sensitive bool   `json:"sensitive"`
	Known     bool   `json:"known"`
	Value     any    `json:"value,omitempty"`
}

// JSON writes the plan as the documented, versioned JSON document (one
// line, newline-terminated).
func JSON(w io.Writer, p *planner.Plan) error {
	doc := jsonPlan{
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
		Actions:       []jsonAction{},
		Notes:         []jsonNote{},
		Outputs:       []jsonOutput{},
	}
	for _, k := range append(append([]string(nil), summaryKinds...), append(extraKinds, planner.KindForget)...) {
		doc.Summary[k] = 0
	}
	for k, n := range p.Counts() {
		doc.Summary[k] = n
	}
	for _, a := range p.Actions {
		doc.Actions = append(doc.Actions, jsonActionOf(a))
	}
	for _, n := range p.Notes {
		jn := jsonNote{Address: n.Addr, Code: string(n.Code), Message: n.Message}
		if !n.DueAt.IsZero() {
			t := n.DueAt.UTC()
			jn.DueAt = &t
		}
		doc.Notes = append(doc.Notes, jn)
	}
	for _, o := range p.Outputs {
		jo := jsonOutput{Name: o.Name, Sensitive: o.Sensitive, Known: o.Known}
		if o.Known && !o.Sensitive {
			jo.Value = o.Value
		}
		doc.Outputs = append(doc.Outputs, jo)
	}
	b, err := marshal(doc)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func jsonActionOf(a *planner.Action) jsonAction {
	ja := jsonAction{Address: a.Addr, Kind: a.Kind, Headline: Headline(a), Reasons: []jsonReason{}, DependsOn: nonNil(a.DependsOn)}
	for _, r := range a.Reasons {
		ja.Reasons = append(ja.Reasons, jsonReason{Code: string(r.Code), Message: r.Message, Data: r.Data})
	}
	if s := a.Snapshot; s != nil {
		js := &jsonSnapshot{Dataset: s.Dataset, Source: s.Source, Store: s.Store, OldID: s.OldID, NewID: s.NewID,
			Files: s.Files, Bytes: s.Bytes, DiffKnown: s.DiffKnown, Added: s.Added, Changed: s.Changed, Removed: s.Removed,
			AddedBytes: s.AddedBytes, ChangedBytes: s.ChangedBytes, RemovedBytes: s.RemovedBytes, Paths: []jsonPath{}}
		for _, pc := range s.Paths {
			js.Paths = append(js.Paths, jsonPath{Path: pc.Path, Change: pc.Change, Delta: pc.Delta})
		}
		ja.Snapshot = js
	}
	if t := a.Train; t != nil {
		jt := &jsonTrain{Model: t.Model, Version: t.Version, Previous: t.Previous, InputsDigest: t.InputsDigest,
			Snapshots: nonNilMap(t.Snapshots), ParamChanges: []jsonChange{}}
		for _, c := range t.ParamChanges {
			jc := jsonChange{Path: c.Path, Sensitive: c.Sensitive}
			if !c.Sensitive {
				jc.Old, jc.New = c.Old, c.New
			}
			jt.ParamChanges = append(jt.ParamChanges, jc)
		}
		ja.Train = jt
	}
	if e := a.Evaluate; e != nil {
		ja.Evaluate = &jsonEvaluate{Model: e.Model, Version: e.Version, Snapshots: nonNilMap(e.Snapshots)}
	}
	if p := a.Promote; p != nil {
		ja.Promote = &jsonPromote{Promotion: p.Promotion, Model: p.Model, Alias: p.Alias, From: p.From, To: p.To,
			KnownAfterApply: p.KnownAfterApply, Gates: p.Gates, MustBeat: p.MustBeat, Pinned: p.Pinned}
	}
	if p := a.Publish; p != nil {
		ja.Publish = &jsonPublish{Promotion: p.Promotion, Model: p.Model, URL: p.URL, Version: p.Version}
	}
	if f := a.Forget; f != nil {
		ja.Forget = &jsonForget{Dataset: f.Dataset, Snapshot: f.Snapshot, Model: f.Model, Version: f.Version, CreatedAt: f.CreatedAt.UTC(), Bytes: f.Bytes}
	}
	return ja
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
