package statemgr

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/zeebo/blake3"

	"github.com/mlform/mlform/internal/textfmt"
	"github.com/mlform/mlform/state"
)

// ObjectJournal holds the changes a long run (apply) recorded since the
// state document was last written whole: one line per change, each naming
// only the top-level entries (a dataset, a model, a policy, ...) it
// changed, so recording an action costs what it changed and not the whole
// document. docs/state.md, "The journal", has the format and the rules.
const ObjectJournal = "state.journal"

const (
	journalKind   = "mlform-state-journal"
	journalFormat = 1
)

// journalHeader is the journal's first line: the base document it extends.
// A journal whose base is not the stored state.json is stale (the document
// was rewritten whole since: a compaction, a push) and is ignored.
type journalHeader struct {
	Kind         string `json:"kind"`
	Format       int    `json:"format"`
	Lineage      string `json:"lineage"`
	BaseSerial   uint64 `json:"base_serial"`
	BaseChecksum string `json:"base_checksum"`
}

// journalEntry is one recorded change: the state at Serial is the state at
// Serial-1 with these members replaced. Fields are whole top-level members
// that are not maps; Set and Delete are entries of top-level maps (by the
// member's JSON name, then the entry's key).
type journalEntry struct {
	Serial        uint64                                `json:"serial"`
	MLFormVersion string                                `json:"mlform_version,omitempty"`
	Fields        map[string]json.RawMessage            `json:"fields,omitempty"`
	Set           map[string]map[string]json.RawMessage `json:"set,omitempty"`
	Delete        map[string][]string                   `json:"delete,omitempty"`
}

func (e *journalEntry) empty() bool {
	return len(e.Fields) == 0 && len(e.Set) == 0 && len(e.Delete) == 0
}

// journalLine encodes v as one journal line: the BLAKE3-256 hex of the
// JSON, a space, the JSON, a newline. A line is only valid whole, so a
// write cut short by a crash is recognised.
func journalLine(v any) ([]byte, error) {
	body, err := textfmt.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, lineSumLen+2+len(body))
	out = append(out, lineSum(body)...)
	out = append(out, ' ')
	out = append(out, body...)
	return append(out, '\n'), nil
}

// lineSumLen is the length of a line's checksum: a BLAKE3-256 hex digest,
// as the state document's own.
const lineSumLen = 64

func lineSum(body []byte) string {
	h := blake3.Sum256(body)
	return hex.EncodeToString(h[:])
}

// parseJournalLine returns a line's JSON after checking its checksum.
func parseJournalLine(line []byte) ([]byte, bool) {
	if len(line) < lineSumLen+2 || line[lineSumLen] != ' ' {
		return nil, false
	}
	body := line[lineSumLen+1:]
	return body, string(line[:lineSumLen]) == lineSum(body)
}

// stateMember is a top-level member of the State document as the journal
// sees it: maps of named entries are journaled entry by entry, anything
// else whole.
type stateMember struct {
	index int
	name  string // JSON name
	isMap bool
}

// journaledMembers lists State's members the journal records, found by
// reflection so a member added to the model is journaled too. The
// document's own bookkeeping (format, lineage, serial, checksum, writer
// version) is not content.
func journaledMembers() []stateMember {
	t := reflect.TypeFor[state.State]()
	var out []stateMember
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
		out = append(out, stateMember{index: i, name: name, isMap: isMap})
	}
	return out
}

// entryTracker remembers a fingerprint of every journaled member and map
// entry of the state as last stored, to find what a change touched.
type entryTracker struct {
	h       *valueHasher
	members []stateMember
	fields  map[string]uint64
	entries map[string]map[string]uint64
}

func newEntryTracker() *entryTracker {
	return &entryTracker{h: newValueHasher(), members: journaledMembers()}
}

// fingerprints computes every fingerprint of s.
func (t *entryTracker) fingerprints(s *state.State) (map[string]uint64, map[string]map[string]uint64) {
	fields := map[string]uint64{}
	entries := map[string]map[string]uint64{}
	v := reflect.ValueOf(s).Elem()
	for _, m := range t.members {
		fv := v.Field(m.index)
		if !m.isMap {
			fields[m.name] = t.h.sum(fv)
			continue
		}
		e := make(map[string]uint64, fv.Len())
		it := fv.MapRange()
		for it.Next() {
			e[it.Key().String()] = t.h.sum(it.Value())
		}
		entries[m.name] = e
	}
	return fields, entries
}

// snapshot and restore save and put back the fingerprints (copies of the
// maps a commit changes).
func (t *entryTracker) snapshot() trackerState {
	fields := make(map[string]uint64, len(t.fields))
	for k, v := range t.fields {
		fields[k] = v
	}
	entries := make(map[string]map[string]uint64, len(t.entries))
	for k, v := range t.entries {
		c := make(map[string]uint64, len(v))
		for kk, vv := range v {
			c[kk] = vv
		}
		entries[k] = c
	}
	return trackerState{fields, entries}
}

// trackerState is a saved copy of an entryTracker's fingerprints.
type trackerState struct {
	fields  map[string]uint64
	entries map[string]map[string]uint64
}

func (t *entryTracker) restore(saved trackerState) {
	t.fields, t.entries = saved.fields, saved.entries
}

// reset makes s the stored state.
func (t *entryTracker) reset(s *state.State) {
	t.fields, t.entries = t.fingerprints(s)
}

// diff returns the change from the stored state to s, and a commit
// function that makes s the stored state once the change is durable.
func (t *entryTracker) diff(s *state.State) (*journalEntry, func(), error) {
	fields, entries := t.fingerprints(s)
	e := &journalEntry{}
	v := reflect.ValueOf(s).Elem()
	for _, m := range t.members {
		fv := v.Field(m.index)
		if !m.isMap {
			if old, ok := t.fields[m.name]; ok && old == fields[m.name] {
				continue
			}
			if err := e.setField(m.name, fv.Interface()); err != nil {
				return nil, nil, err
			}
			continue
		}
		old, now := t.entries[m.name], entries[m.name]
		for key, sum := range now {
			if prev, ok := old[key]; ok && prev == sum {
				continue
			}
			if err := e.setEntry(m.name, key, fv.MapIndex(reflect.ValueOf(key).Convert(fv.Type().Key())).Interface()); err != nil {
				return nil, nil, err
			}
		}
		for key := range old {
			if _, ok := now[key]; !ok {
				if e.Delete == nil {
					e.Delete = map[string][]string{}
				}
				e.Delete[m.name] = append(e.Delete[m.name], key)
			}
		}
	}
	return e, func() { t.fields, t.entries = fields, entries }, nil
}

// changedOnly returns a State holding s's document fields and, of its
// journaled members, only what e changes: validating it checks exactly the
// changed entries (Validate's rules are per entry), so a journaled write
// costs what it changed. The entries are shared with s, not copied.
func (t *entryTracker) changedOnly(s *state.State, e *journalEntry) *state.State {
	keys := map[string][]string{}
	for member, set := range e.Set {
		for key := range set {
			keys[member] = append(keys[member], key)
		}
	}
	return t.partial(s, keys)
}

// announcedOnly is changedOnly for the entries a change was announced to
// touch: normalizing it normalizes what the change can have touched.
func (t *entryTracker) announcedOnly(s *state.State, announced []entryKey) *state.State {
	keys := map[string][]string{}
	for _, k := range announced {
		keys[k.member] = append(keys[k.member], k.key)
	}
	return t.partial(s, keys)
}

// partial returns a State with s's document fields and members that are
// not maps, and of each map member only the entries keys names (those
// present in s). The entries are shared with s.
func (t *entryTracker) partial(s *state.State, keys map[string][]string) *state.State {
	part := reflect.New(reflect.TypeFor[state.State]()).Elem()
	v := reflect.ValueOf(s).Elem()
	journaled := map[int]bool{}
	for _, m := range t.members {
		journaled[m.index] = true
		fv := v.Field(m.index)
		switch {
		case !m.isMap:
			part.Field(m.index).Set(fv)
		case len(keys[m.name]) > 0 && !fv.IsNil():
			sub := reflect.MakeMapWithSize(fv.Type(), len(keys[m.name]))
			for _, key := range keys[m.name] {
				k := reflect.ValueOf(key).Convert(fv.Type().Key())
				if val := fv.MapIndex(k); val.IsValid() {
					sub.SetMapIndex(k, val)
				}
			}
			part.Field(m.index).Set(sub)
		}
	}
	for i := range part.NumField() {
		if !journaled[i] && part.Type().Field(i).IsExported() {
			part.Field(i).Set(v.Field(i))
		}
	}
	return part.Addr().Interface().(*state.State)
}

// setField records v as the member name, one that is not a map.
func (e *journalEntry) setField(name string, v any) error {
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

// setEntry records v as the entry key of the map member.
func (e *journalEntry) setEntry(member, key string, v any) error {
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

// salvageJournal returns what a damaged journal still holds: base with
// the longest run of the journal's first changes that replays cleanly,
// and how many changes that is (0: base alone, when even the header is
// unusable). It is the way back from damage in the middle of a journal
// that keeps the most: the backup is older than base.
func salvageJournal(base []byte, baseState *state.State, journal []byte) ([]byte, int) {
	lines := bytes.SplitAfter(journal, []byte("\n"))
	// lines[:k] for k < len(lines) are whole lines (each ends in "\n"), so
	// replaying them never stops at a torn last line.
	for k := len(lines) - 1; k >= 2; k-- {
		doc, n, err := replayJournal(base, baseState, bytes.Join(lines[:k], nil))
		if err == nil && n == k-1 {
			return doc, n
		}
	}
	return base, 0
}

// replayJournal applies journal to the base document and returns the
// resulting document, canonically encoded, and the number of changes
// applied (0: no usable journal, base returned as it is). base must have
// decoded as baseState. A journal for another base is stale and ignored; a
// last line cut short (a crash mid-append: the change was never reported
// recorded) is ignored; anything else that is wrong is a *DecodeError.
func replayJournal(base []byte, baseState *state.State, journal []byte) ([]byte, int, error) {
	lines := bytes.SplitAfter(journal, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return base, 0, nil
	}
	bad := func(format string, args ...any) error {
		return &state.DecodeError{Problem: state.ProblemCorrupt, Detail: "journal " + ObjectJournal + ": " + fmt.Sprintf(format, args...)}
	}
	// lineBody returns line i's JSON; ok is false for a torn last line.
	lineBody := func(i int) ([]byte, bool, error) {
		line := lines[i]
		last := i == len(lines)-1
		complete := bytes.HasSuffix(line, []byte("\n"))
		body, ok := parseJournalLine(bytes.TrimSuffix(line, []byte("\n")))
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
	var h journalHeader
	if err := strictUnmarshal(hb, &h); err != nil {
		return nil, 0, bad("header: %v", err)
	}
	switch {
	case h.Kind != journalKind:
		return nil, 0, bad("header kind %q is not %q", h.Kind, journalKind)
	case h.Format > journalFormat:
		return nil, 0, &state.DecodeError{Problem: state.ProblemFuture, Detail: fmt.Sprintf("state journal was written by a newer mlform (format %d > %d); upgrade mlform", h.Format, journalFormat)}
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
	for _, m := range journaledMembers() {
		members[m.name] = m.isMap
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
		var e journalEntry
		if err := strictUnmarshal(body, &e); err != nil {
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
			return nil, 0, &state.DecodeError{Problem: de.Problem, Detail: "after replaying " + ObjectJournal + ": " + de.Detail}
		}
		return nil, 0, err
	}
	out, err := state.Encode(s)
	if err != nil {
		return nil, 0, bad("%v", err)
	}
	return out, applied, nil
}

// strictUnmarshal decodes JSON refusing unknown members.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// diffAnnounced is diff for a change announced to touch only keys
// (journal_hint.go): it fingerprints those entries and the members that
// are not maps. ok is false when the state shows the announcement
// incomplete (a member's entry count moved otherwise than the announced
// keys explain, an unknown member): the caller then compares everything.
func (t *entryTracker) diffAnnounced(s *state.State, keys []entryKey) (e *journalEntry, commit func(), ok bool, err error) {
	byName := make(map[string]stateMember, len(t.members))
	for _, m := range t.members {
		byName[m.name] = m
	}
	v := reflect.ValueOf(s).Elem()
	e = &journalEntry{}
	fields := map[string]uint64{}
	type update struct {
		member, key string
		sum         uint64
		present     bool
	}
	var updates []update
	seen := map[entryKey]bool{}
	delta := map[string]int{}
	for _, k := range keys {
		m, known := byName[k.member]
		if !known || !m.isMap {
			return nil, nil, false, nil
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		fv := v.Field(m.index)
		old, had := t.entries[m.name][k.key]
		var val reflect.Value
		if !fv.IsNil() {
			val = fv.MapIndex(reflect.ValueOf(k.key).Convert(fv.Type().Key()))
		}
		switch {
		case !val.IsValid() && had:
			delta[m.name]--
			updates = append(updates, update{member: m.name, key: k.key})
			if e.Delete == nil {
				e.Delete = map[string][]string{}
			}
			e.Delete[m.name] = append(e.Delete[m.name], k.key)
		case val.IsValid():
			if !had {
				delta[m.name]++
			}
			sum := t.h.sum(val)
			if had && sum == old {
				continue
			}
			updates = append(updates, update{member: m.name, key: k.key, sum: sum, present: true})
			if err := e.setEntry(m.name, k.key, val.Interface()); err != nil {
				return nil, nil, false, err
			}
		}
	}
	for _, m := range t.members {
		fv := v.Field(m.index)
		if m.isMap {
			if fv.Len() != len(t.entries[m.name])+delta[m.name] {
				return nil, nil, false, nil
			}
			continue
		}
		sum := t.h.sum(fv)
		fields[m.name] = sum
		if old, ok := t.fields[m.name]; ok && old == sum {
			continue
		}
		if err := e.setField(m.name, fv.Interface()); err != nil {
			return nil, nil, false, err
		}
	}
	commit = func() {
		for name, sum := range fields {
			t.fields[name] = sum
		}
		for _, u := range updates {
			if t.entries[u.member] == nil {
				t.entries[u.member] = map[string]uint64{}
			}
			if u.present {
				t.entries[u.member][u.key] = u.sum
			} else {
				delete(t.entries[u.member], u.key)
			}
		}
	}
	return e, commit, true, nil
}

// unannounced compares every entry of s with the fingerprints as they
// stand (after an announced change was committed) and names the first
// entry that changed anyway ("" when none did).
func (t *entryTracker) unannounced(s *state.State) string {
	fields, entries := t.fingerprints(s)
	for name, sum := range fields {
		if t.fields[name] != sum {
			return name
		}
	}
	for member, now := range entries {
		old := t.entries[member]
		for key, sum := range now {
			if prev, ok := old[key]; !ok || prev != sum {
				return member + "." + key
			}
		}
		for key := range old {
			if _, ok := now[key]; !ok {
				return member + "." + key + " (removed)"
			}
		}
	}
	return ""
}
