// Package statejournal is the format of the state journal (docs/state.md,
// "The journal"): the lines apply appends to it (Header, Entry, Line) and
// their replay on a state document (Replay, Salvage). A journal is
// untrusted input: whatever Replay accepts is decoded and validated whole
// as a state document. Where the journal is kept, and how a change is
// found, is state/statemgr's.
package statejournal

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/strictjson"
	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// Name is the journal's object name, next to the state document.
const Name = "state.journal"

// Kind and Format are the header's kind and the format version written.
const (
	Kind   = "mlform-state-journal"
	Format = 1
)

// Header is the journal's first line: the base document it extends.
// A journal whose base is not the stored state.json is stale (the document
// was rewritten whole since: a compaction, a push) and is ignored.
type Header struct {
	Kind         string `json:"kind"`
	Format       int    `json:"format"`
	Lineage      string `json:"lineage"`
	BaseSerial   uint64 `json:"base_serial"`
	BaseChecksum string `json:"base_checksum"`
}

// Entry is one recorded change: the state at Serial is the state at
// Serial-1 with these members replaced. Fields are whole top-level members
// that are not maps; Set and Delete are entries of top-level maps (by the
// member's JSON name, then the entry's key).
type Entry struct {
	Serial        uint64                                `json:"serial"`
	MLFormVersion string                                `json:"mlform_version,omitempty"`
	Fields        map[string]json.RawMessage            `json:"fields,omitempty"`
	Set           map[string]map[string]json.RawMessage `json:"set,omitempty"`
	Delete        map[string][]string                   `json:"delete,omitempty"`
}

// Empty reports whether e changes nothing.
func (e *Entry) Empty() bool {
	return len(e.Fields) == 0 && len(e.Set) == 0 && len(e.Delete) == 0
}

// Line encodes v (a Header or an *Entry) as one journal line: the
// BLAKE3-256 hex of the JSON, a space, the JSON, a newline. A line is only valid whole, so a
// write cut short by a crash is recognised.
func Line(v any) ([]byte, error) {
	body, err := textfmt.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, SumLen+2+len(body))
	out = append(out, Sum(body)...)
	out = append(out, ' ')
	out = append(out, body...)
	return append(out, '\n'), nil
}

// SumLen is the length of a line's checksum: a BLAKE3-256 hex digest,
// as the state document's own.
const SumLen = 64

// Sum is a line's checksum of body: its BLAKE3-256 hex digest.
func Sum(body []byte) string {
	h := blake3.Sum256(body)
	return hex.EncodeToString(h[:])
}

// ParseLine returns a line's JSON after checking its checksum.
func ParseLine(line []byte) ([]byte, bool) {
	if len(line) < SumLen+2 || line[SumLen] != ' ' {
		return nil, false
	}
	body := line[SumLen+1:]
	return body, string(line[:SumLen]) == Sum(body)
}

// Member is a top-level member of the State document as the journal
// sees it: maps of named entries are journaled entry by entry, anything
// else whole.
type Member struct {
	Index int    // of the field in state.State
	Name  string // JSON name
	IsMap bool
}

// Members lists State's members the journal records, found by
// reflection so a member added to the model is journaled too. The
// document's own bookkeeping (format, lineage, serial, checksum, writer
// version) is not content.
func Members() []Member {
	t := reflect.TypeFor[state.State]()
	var out []Member
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		switch name {
		case "format_version", "lineage", "serial", "checksum", "mlform_version":
			continue
		}
		isMap := f.Type.Kind() == reflect.Map && f.Type.Key().Kind() == reflect.String
		out = append(out, Member{Index: i, Name: name, IsMap: isMap})
	}
	return out
}

// SetField records v as the member name, one that is not a map.
func (e *Entry) SetField(name string, v any) error {
	raw, err := textfmt.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if e.Fields == nil {
		e.Fields = map[string]json.RawMessage{}
	}
	e.Fields[name] = raw
	return nil
}

// SetEntry records v as the entry key of the map member.
func (e *Entry) SetEntry(member, key string, v any) error {
	raw, err := textfmt.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s.%s: %w", member, key, err)
	}
	if e.Set == nil {
		e.Set = map[string]map[string]json.RawMessage{}
	}
	if e.Set[member] == nil {
		e.Set[member] = map[string]json.RawMessage{}
	}
	e.Set[member][key] = raw
	return nil
}

// Salvage returns what a damaged journal still holds: base with
// the longest run of the journal's first changes that replays cleanly,
// and how many changes that is (0: base alone, when even the header is
// unusable). It is the way back from damage in the middle of a journal
// that keeps the most: the backup is older than base.
func Salvage(base []byte, baseState *state.State, journal []byte) ([]byte, int) {
	lines := bytes.SplitAfter(journal, []byte("\n"))
	// lines[:k] for k < len(lines) are whole lines (each ends in "\n"), so
	// replaying them never stops at a torn last line.
	for k := len(lines) - 1; k >= 2; k-- {
		doc, n, err := Replay(base, baseState, bytes.Join(lines[:k], nil))
		if err == nil && n == k-1 {
			return doc, n
		}
	}
	return base, 0
}

// Replay applies journal to the base document and returns the
// resulting document, canonically encoded, and the number of changes
// applied (0: no usable journal, base returned as it is). base must have
// decoded as baseState. A journal for another base is stale and ignored; a
// last line cut short (a crash mid-append: the change was never reported
// recorded) is ignored; anything else that is wrong is a *DecodeError.
func Replay(base []byte, baseState *state.State, journal []byte) ([]byte, int, error) {
	lines := bytes.SplitAfter(journal, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return base, 0, nil
	}
	bad := func(format string, args ...any) error {
		return &state.DecodeError{Problem: state.ProblemCorrupt, Detail: "journal " + Name + ": " + fmt.Sprintf(format, args...)}
	}
	// lineBody returns line i's JSON; ok is false for a torn last line.
	lineBody := func(i int) ([]byte, bool, error) {
		line := lines[i]
		last := i == len(lines)-1
		complete := bytes.HasSuffix(line, []byte("\n"))
		body, ok := ParseLine(bytes.TrimSuffix(line, []byte("\n")))
		switch {
		case ok && complete:
			return body, true, nil
		case last:
			return nil, false, nil
		default:
			return nil, false, bad("line %d is damaged (checksum mismatch or not a journal line)", i+1)
		}
	}
	hb, ok, err := lineBody(0)
	if err != nil || !ok {
		return base, 0, err
	}
	var h Header
	if err := strictjson.Unmarshal(hb, &h, strictjson.KnownFields); err != nil {
		return nil, 0, bad("header: %v", err)
	}
	switch {
	case h.Kind != Kind:
		return nil, 0, bad("header kind %q is not %q", h.Kind, Kind)
	case h.Format > Format:
		return nil, 0, &state.DecodeError{Problem: state.ProblemFuture, Detail: fmt.Sprintf("state journal was written by a newer mlform (format %d > %d); upgrade mlform", h.Format, Format)}
	case h.Format < 1:
		return nil, 0, bad("format %d is not a valid format", h.Format)
	}
	if h.Lineage != baseState.Lineage || h.BaseSerial != baseState.Serial || h.BaseChecksum != baseState.Checksum {
		return base, 0, nil // stale: the document was written whole since
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(base, &top); err != nil {
		return nil, 0, bad("base document: %v", err)
	}
	members := map[string]bool{}
	for _, m := range Members() {
		members[m.Name] = m.IsMap
	}
	// mapOf is the member name of named entries that line i changes,
	// decoded from the base document once.
	maps := map[string]map[string]json.RawMessage{}
	mapOf := func(i int, name string) (map[string]json.RawMessage, error) {
		if isMap, known := members[name]; !known || !isMap {
			return nil, bad("line %d: %q is not a state member of named entries", i+1, name)
		}
		if m, ok := maps[name]; ok {
			return m, nil
		}
		m := map[string]json.RawMessage{}
		if raw, ok := top[name]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, bad("base document member %q: %v", name, err)
			}
		}
		maps[name] = m
		return m, nil
	}
	serial, version, applied := baseState.Serial, baseState.MLFormVersion, 0
	for i := 1; i < len(lines); i++ {
		body, ok, err := lineBody(i)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			break
		}
		var e Entry
		if err := strictjson.Unmarshal(body, &e, strictjson.KnownFields); err != nil {
			return nil, 0, bad("line %d: %v", i+1, err)
		}
		if e.Serial != serial+1 {
			return nil, 0, bad("line %d records serial %d after serial %d", i+1, e.Serial, serial)
		}
		for name, raw := range e.Fields {
			if isMap, known := members[name]; !known || isMap {
				return nil, 0, bad("line %d: %q is not a state member recorded whole", i+1, name)
			}
			top[name] = raw
		}
		for name, set := range e.Set {
			m, err := mapOf(i, name)
			if err != nil {
				return nil, 0, err
			}
			for k, raw := range set {
				m[k] = raw
			}
		}
		for name, keys := range e.Delete {
			m, err := mapOf(i, name)
			if err != nil {
				return nil, 0, err
			}
			for _, k := range keys {
				delete(m, k)
			}
		}
		serial = e.Serial
		if e.MLFormVersion != "" {
			version = e.MLFormVersion
		}
		applied++
	}
	if applied == 0 {
		return base, 0, nil
	}
	for name, m := range maps {
		raw, err := json.Marshal(m)
		if err != nil {
			return nil, 0, bad("%v", err)
		}
		top[name] = raw
	}
	for name, v := range map[string]any{"serial": serial, "mlform_version": version, "checksum": ""} {
		raw, _ := json.Marshal(v)
		top[name] = raw
	}
	doc, err := json.Marshal(top)
	if err != nil {
		return nil, 0, bad("%v", err)
	}
	// The result is untrusted like any document: decoded strictly and
	// validated whole, then written in the canonical encoding.
	s, err := state.DecodeUnsigned(doc)
	if err != nil {
		var de *state.DecodeError
		if errors.As(err, &de) {
			return nil, 0, &state.DecodeError{Problem: de.Problem, Detail: "after replaying " + Name + ": " + de.Detail}
		}
		return nil, 0, err
	}
	out, err := state.Encode(s)
	if err != nil {
		return nil, 0, bad("%v", err)
	}
	return out, applied, nil
}
